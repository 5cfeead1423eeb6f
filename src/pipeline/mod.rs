//! The pipeline: one file through every stage ([`process_bytes`]), and a whole corpus walked,
//! processed in parallel and written ([`run`]).
//!
//! One parallel boundary: the corpus is walked serially into a sorted list of paths, files are
//! processed chunk by chunk with rayon's indexed `par_iter` (which keeps input order), and
//! everything after that is serial. Together with sorted output rows this makes the dataset
//! byte-identical whatever the number of threads. A panic in one file is caught and becomes a
//! `failed` row. Memory stays flat: see [`run`], [`crate::spill`] and [`crate::incremental`].

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::budget::{self, Deadline};
use crate::document::Document;
use crate::extract::{self, Extraction};
use crate::incremental::{
    self, Cache, FileStamp, RawRecord, RecordAt, RecordStore, RecordWriter, Stamp,
};
use crate::ingest::{self, Format, ReadError};
use crate::knowledge::Knowledge;
use crate::model::{Check, ReportRecord, Status};
use crate::shard::Shard;
use crate::sink::{self, DatasetWriter, PartitionBy, SinkOptions};
use crate::spill::{Skim, SpillError, WorkDir, skim_record};
use crate::validate::{self, CarryOver};
use crate::{classify, normalize};

pub mod collate;
pub mod walk;

pub use walk::{Entry, walk};

/// Files larger than this are not read (a crawl holds the odd multi-gigabyte video or dump).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The time budget of a file by default (`--file-timeout`): hundreds of times what a real
/// report takes (milliseconds; pdftotext reads the real PDFs in 0.03 s), over twenty times
/// the slowest file measured (a 10 MB page of a million table cells, about 2 s on a loaded
/// machine), and short enough that a handful of hostile files cost a nightly run minutes,
/// not hours.
pub const DEFAULT_FILE_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything one file yielded, for `inspect` and for the dataset.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The reports.parquet row with its facts and checks.
    pub record: ReportRecord,
    /// The decoded document, when the file could be read.
    pub doc: Option<Document>,
    /// Row labels with values that no indicator matched.
    pub unmapped: Vec<String>,
}

/// First 16 hex digits of the BLAKE3 hash of the bytes.
pub fn report_id(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex()[..16].to_string()
}

/// The record of a file about to be processed: path, hash, size and format.
fn new_record(rel_path: &str, bytes: &[u8], format: Format) -> ReportRecord {
    ReportRecord::empty(
        rel_path.to_string(),
        report_id(bytes),
        bytes.len() as u64,
        format.as_str(),
    )
}

/// Runs every stage on one file's bytes. Never panics on bad input (a panic is a bug; callers
/// catch it with [`process_caught`]).
pub fn process_bytes(rel_path: &str, bytes: &[u8], k: &Knowledge) -> Processed {
    process_within(rel_path, bytes, k, &Deadline::none())
}

/// The record of a file whose budget ran out: `failed`, with the stage that found it spent.
fn out_of_time(mut record: ReportRecord, deadline: &Deadline) -> Processed {
    record.status = Status::Failed;
    record.reason = deadline.reason();
    record.template = None;
    record.facts = Vec::new();
    record.checks = Vec::new();
    Processed {
        record,
        doc: None,
        unmapped: Vec::new(),
    }
}

/// Zips tables whose figure lines stand apart from their label lines (PDF text,
/// [`crate::document::detached`]) in place of the rows other layouts read from those lines,
/// and reads rows written as a label, a space and figures ([`crate::document::spaced`]). A
/// label names a form row as the extractors match it.
fn resolve_detached_tables(doc: &mut crate::document::Document, k: &Knowledge) {
    let is_row_label = |label: &str| {
        k.labels.match_form("t2", "row", label).is_some()
            || k.labels.match_form("t3", "row", label).is_some()
            || k.labels
                .match_2008(&crate::extract::labels::label_key(label), &[])
                .is_some()
    };
    crate::document::detached::find_detached_tables(doc, &k.detached, &is_row_label);
    crate::document::spaced::find_spaced_rows(doc, &k.spaced, &is_row_label);
}

/// [`process_bytes`] within a time budget: every stage checks `deadline` as it works and
/// stops when it has passed; the file is then `failed` ("exceeded 60 s in html"), whatever
/// the stages had found so far.
pub fn process_within(
    rel_path: &str,
    bytes: &[u8],
    k: &Knowledge,
    deadline: &Deadline,
) -> Processed {
    let format = ingest::sniff_format(Path::new(rel_path), bytes);
    let mut record = new_record(rel_path, bytes, format);
    let read = ingest::read_document_within(format, bytes, deadline);
    if deadline.spent_in().is_some() {
        return out_of_time(record, deadline);
    }
    let decoded = match read {
        Ok(d) => d,
        Err(e) => {
            record.status = match e {
                ReadError::Unsupported(_) => Status::Unsupported,
                ReadError::Unreadable(_) => Status::Unreadable,
            };
            record.reason = Some(e.to_string());
            return Processed {
                record,
                doc: None,
                unmapped: Vec::new(),
            };
        }
    };
    record.encoding = decoded.encoding.clone();
    let mut doc = decoded.doc;
    if deadline.expired("normalize") {
        return out_of_time(record, deadline);
    }
    resolve_detached_tables(&mut doc, k);
    crate::document::glued::find_glued_tables(&mut doc, &k.glued);
    let identity = normalize::identify(&doc, rel_path, &k.names);
    let extraction = extract::extract_within(&doc, k, identity.year, deadline);
    if deadline.expired("extract") {
        return out_of_time(record, deadline);
    }
    record.identity = identity;
    if let Err(why) = classify::is_annual_report(&doc, &extraction, &k.classify) {
        record.status = Status::NotReport;
        record.reason = Some(why);
        return Processed {
            record,
            doc: Some(doc),
            unmapped: Vec::new(),
        };
    }
    let Extraction {
        template,
        mut facts,
        mut checks,
        notes,
        unmapped,
    } = extraction;
    for f in &mut facts {
        f.line = doc.source_line(f.line);
    }
    checks.extend(k.checks.evaluate(&facts));
    checks.sort_by(|a, b| a.check.cmp(&b.check));
    record.template = template;
    record.facts = facts;
    record.checks = checks;
    let mut reasons: Vec<String> = Vec::new();
    reasons.extend(decoded.partial);
    reasons.extend(notes);
    if record.facts.is_empty() {
        reasons.push("no figures found in tables or sentences".to_string());
    }
    if record.identity.agency.is_none() {
        reasons.push("agency not found".to_string());
    }
    if record.identity.year.is_none() {
        reasons.push("statistical year not found".to_string());
    }
    reasons.extend(record.identity.notes.iter().cloned());
    if !reasons.is_empty() {
        record.status = if decoded_is_partial(&reasons, &record) {
            Status::Partial
        } else {
            Status::Ok
        };
        record.reason = Some(reasons.join("; "));
    }
    Processed {
        record,
        doc: Some(doc),
        unmapped,
    }
}

/// A report is partial when something it holds could not be read or attributed; remarks that
/// only explain a decision (e.g. which year won) leave it `ok`.
fn decoded_is_partial(reasons: &[String], record: &ReportRecord) -> bool {
    reasons.len() > record.identity.notes.len()
}

/// [`process_bytes`] with panics caught and turned into a `failed` record.
pub fn process_caught(rel_path: &str, bytes: &[u8], k: &Knowledge) -> Processed {
    process_caught_within(rel_path, bytes, k, &Deadline::none())
}

/// [`process_within`] with panics caught and turned into a `failed` record.
pub fn process_caught_within(
    rel_path: &str,
    bytes: &[u8],
    k: &Knowledge,
    deadline: &Deadline,
) -> Processed {
    match catch_unwind(AssertUnwindSafe(|| {
        process_within(rel_path, bytes, k, deadline)
    })) {
        Ok(p) => p,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".to_string());
            let format = ingest::sniff_format(Path::new(rel_path), bytes);
            let mut record = new_record(rel_path, bytes, format);
            record.status = Status::Failed;
            record.reason = Some(format!("internal error (please report): {msg}"));
            Processed {
                record,
                doc: None,
                unmapped: Vec::new(),
            }
        }
    }
}

/// Reads and processes one walked entry, without a time limit.
pub fn process_entry(entry: &Entry, k: &Knowledge, max_bytes: u64) -> Processed {
    process_entry_within(entry, k, max_bytes, None)
}

/// The record of an entry that is not read: `status` and `reason`, its format guessed from
/// its name.
fn not_read(entry: &Entry, status: Status, reason: String, bytes: u64) -> Processed {
    let mut record = ReportRecord::empty(
        entry.rel.clone(),
        report_id(b""),
        bytes,
        Format::Other.as_str(),
    );
    if status == Status::Unsupported && bytes > 0 {
        record.format = ingest::sniff_format(&entry.path, b"").as_str().to_string();
    }
    record.status = status;
    record.reason = Some(reason);
    Processed {
        record,
        doc: None,
        unmapped: Vec::new(),
    }
}

/// Why a walked entry is not read, before any attempt: a walk error, a special file, a size
/// over the limit.
fn refused(entry: &Entry, max_bytes: u64) -> Option<Processed> {
    if let Some(p) = &entry.problem {
        return Some(not_read(entry, Status::Unreadable, p.clone(), 0));
    }
    if let Some(kind) = entry.special {
        return Some(not_read(
            entry,
            Status::Unsupported,
            special_reason(kind),
            0,
        ));
    }
    (entry.bytes > max_bytes).then(|| {
        not_read(
            entry,
            Status::Unsupported,
            too_large(entry.bytes, max_bytes),
            entry.bytes,
        )
    })
}

fn special_reason(kind: &str) -> String {
    format!("not a regular file: {kind}, never opened")
}

fn too_large(bytes: u64, max_bytes: u64) -> String {
    format!("file too large: {bytes} bytes over the {max_bytes} byte limit")
}

/// Reads a walked file, opening it only as a regular file: it is opened without blocking
/// (a file replaced by a pipe since the walk would block an ordinary open forever) and its
/// type and size are checked on the open handle before a byte is read. A file gone or turned
/// unreadable since the walk gives its `unreadable` record.
pub fn read_regular(entry: &Entry, max_bytes: u64) -> Result<Vec<u8>, Box<Processed>> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        Box::new(not_read(
            entry,
            Status::Unreadable,
            format!("cannot read: {e}"),
            entry.bytes,
        ))
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(&entry.path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if let Some(kind) = walk::special_kind(&meta.file_type()) {
        let why = special_reason(kind);
        return Err(Box::new(not_read(entry, Status::Unsupported, why, 0)));
    }
    if meta.len() > max_bytes {
        let why = too_large(meta.len(), max_bytes);
        return Err(Box::new(not_read(
            entry,
            Status::Unsupported,
            why,
            meta.len(),
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > max_bytes {
        let why = too_large(bytes.len() as u64, max_bytes);
        return Err(Box::new(not_read(
            entry,
            Status::Unsupported,
            why,
            bytes.len() as u64,
        )));
    }
    Ok(bytes)
}

/// Reads and processes one walked entry within a time budget of `timeout` (none when
/// `None`), counted from the moment the file is opened.
pub fn process_entry_within(
    entry: &Entry,
    k: &Knowledge,
    max_bytes: u64,
    timeout: Option<Duration>,
) -> Processed {
    if let Some(p) = refused(entry, max_bytes) {
        return p;
    }
    let deadline = Deadline::after(timeout);
    match read_regular(entry, max_bytes) {
        Ok(bytes) => process_caught_within(&entry.rel, &bytes, k, &deadline),
        Err(p) => *p,
    }
}

/// A report_id held without a heap allocation when it is the usual 16 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompactId {
    /// 16 lowercase hex digits.
    Hex(u64),
    /// Anything else, as written.
    Other(Box<str>),
}

impl CompactId {
    /// The compact form of a report_id.
    pub fn new(id: &str) -> CompactId {
        match u64::from_str_radix(id, 16) {
            Ok(v) if id.len() == 16 && format!("{v:016x}") == id => CompactId::Hex(v),
            _ => CompactId::Other(id.into()),
        }
    }
}

impl std::fmt::Display for CompactId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompactId::Hex(v) => write!(f, "{v:016x}"),
            CompactId::Other(s) => f.write_str(s),
        }
    }
}

/// What duplicate marking needs to know of one file: a few bytes and no heap allocation per
/// file, so the corpus' records need not stay in memory (nor fragment it).
#[derive(Debug, Clone)]
pub struct FileSummary {
    /// Content hash.
    pub report_id: CompactId,
    /// Status before duplicate marking.
    pub status: Status,
    /// File size.
    pub bytes: u64,
    /// Canonical agency, interned in [`Summaries`].
    pub agency: Option<u32>,
    /// Statistical year.
    pub year: Option<i16>,
    /// Number of facts.
    pub facts: u32,
    /// Number of failed checks.
    pub checks_failed: u32,
    /// Where its record lies in the run's record file.
    pub at: RecordAt,
}

/// One [`FileSummary`] per file in walk order, with agencies interned, and the carry-over
/// figures of the reports that state them (for the check across years).
#[derive(Debug, Clone, Default)]
pub struct Summaries {
    /// Per file, in walk order.
    pub files: Vec<FileSummary>,
    agencies: HashMap<String, u32>,
    /// Carry-over figures, for the files that contribute and state them.
    pub carries: Vec<CarryEntry>,
}

/// The carry-over figures of one file (the check rows they give are built from the file's
/// record when the tables are written).
#[derive(Debug, Clone)]
pub struct CarryEntry {
    /// Index of the file in walk order.
    pub file: u32,
    /// Agency, year and the 上年结转 / 结转下年度 figures.
    pub carry: CarryOver,
}

impl Summaries {
    /// Appends the summary of the next file's record.
    pub fn push(&mut self, r: &ReportRecord) {
        self.push_at(r, RecordAt::default());
    }

    /// Appends the summary of the next file's record, stored at `at` in the record file.
    pub fn push_at(&mut self, r: &ReportRecord, at: RecordAt) {
        let (facts, failed) = (r.facts.len() as u32, r.checks_failed() as u32);
        self.push_counted(r, facts, failed, at);
    }

    /// [`Summaries::push_at`] for a record that may hold only some of its facts (at least
    /// those of the carry-over rows) and none of its checks: it had `facts` facts and
    /// `checks_failed` failed checks.
    pub fn push_counted(&mut self, r: &ReportRecord, facts: u32, checks_failed: u32, at: RecordAt) {
        if sink::contributes(r) {
            if let Some(carry) =
                CarryOver::of(r.identity.agency.as_deref(), r.identity.year, &r.facts)
            {
                self.carries.push(CarryEntry {
                    file: self.files.len() as u32,
                    carry,
                });
            }
        }
        let agency = r
            .identity
            .agency
            .as_ref()
            .map(|a| match self.agencies.get(a) {
                Some(&id) => id,
                None => {
                    let id = self.agencies.len() as u32;
                    self.agencies.insert(a.clone(), id);
                    id
                }
            });
        self.files.push(FileSummary {
            report_id: CompactId::new(&r.report_id),
            status: r.status,
            bytes: r.bytes,
            agency,
            year: r.identity.year,
            facts,
            checks_failed,
            at,
        });
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// The canonical agency of interned id `id`, ranked: `ranks()[id]` orders agencies as
    /// their names sort.
    pub fn agency_ranks(&self) -> Vec<u32> {
        let mut names: Vec<(&str, u32)> = self
            .agencies
            .iter()
            .map(|(a, &id)| (a.as_str(), id))
            .collect();
        names.sort_unstable();
        let mut ranks = vec![0u32; names.len()];
        for (rank, (_, id)) in names.into_iter().enumerate() {
            ranks[id as usize] = rank as u32;
        }
        ranks
    }

    /// True when no file was summarised.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// A file found to repeat another: its new `reason` and `duplicate_of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateMark {
    /// Why it is a duplicate.
    pub reason: String,
    /// The report_id of the copy that is kept.
    pub duplicate_of: String,
}

/// Finds repeated content among files in walk order (`path(i)` is file `i`'s source_path):
/// byte-identical files (same report_id) after the first, and the same report (same agency
/// and year) published twice, keeping the stronger copy (more facts, fewer failed checks,
/// then the first path). Returns one entry per file, `Some` for duplicates.
pub fn find_duplicates<'a>(
    summaries: &Summaries,
    path: impl Fn(usize) -> &'a str,
) -> Vec<Option<DuplicateMark>> {
    let files = &summaries.files;
    let mut marks: Vec<Option<DuplicateMark>> = vec![None; files.len()];
    let mut first_by_id: HashMap<&CompactId, usize> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        if f.bytes == 0 || matches!(f.status, Status::Unreadable) {
            continue;
        }
        match first_by_id.get(&f.report_id) {
            Some(&first) => {
                marks[i] = Some(DuplicateMark {
                    reason: format!("byte-identical to {}", path(first)),
                    duplicate_of: f.report_id.to_string(),
                })
            }
            None => {
                first_by_id.insert(&f.report_id, i);
            }
        }
    }
    let mut groups: BTreeMap<(u32, i16), Vec<usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        let contributes = marks[i].is_none() && matches!(f.status, Status::Ok | Status::Partial);
        if let (true, Some(a), Some(y)) = (contributes && f.facts > 0, f.agency, f.year) {
            groups.entry((a, y)).or_default().push(i);
        }
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        let best = *members
            .iter()
            .min_by_key(|&&i| (std::cmp::Reverse(files[i].facts), files[i].checks_failed, i))
            .unwrap_or(&members[0]);
        for &i in members.iter().filter(|&&i| i != best) {
            let why = if files[i].facts < files[best].facts {
                "which has more facts"
            } else if files[i].checks_failed > files[best].checks_failed {
                "which has fewer failed checks"
            } else {
                "which is as complete and comes first"
            };
            marks[i] = Some(DuplicateMark {
                reason: format!("same report as {}, {why}", path(best)),
                duplicate_of: files[best].report_id.to_string(),
            });
        }
    }
    marks
}

/// Applies a duplicate mark to a record.
pub fn apply_mark(r: &mut ReportRecord, mark: &DuplicateMark) {
    r.status = Status::Duplicate;
    r.reason = Some(mark.reason.clone());
    r.duplicate_of = Some(mark.duplicate_of.clone());
}

/// The checks across years among the files kept after duplicate marking: for each file
/// index, its `requests.carry_over.*` checks (see [`validate::carry_over_checks`]).
pub fn carry_over(
    carries: Vec<CarryEntry>,
    marks: &[Option<DuplicateMark>],
) -> BTreeMap<u32, Vec<Check>> {
    // Moved, not cloned: at 10⁵ files the figures are tens of megabytes.
    let (kept, overs): (Vec<u32>, Vec<CarryOver>) = carries
        .into_iter()
        .filter(|c| marks.get(c.file as usize).is_none_or(|m| m.is_none()))
        .map(|c| (c.file, c.carry))
        .unzip();
    let mut out: BTreeMap<u32, Vec<Check>> = BTreeMap::new();
    for (j, check) in validate::carry_over_checks(&overs) {
        out.entry(kept[j]).or_default().push(check);
    }
    out
}

/// Adds the checks across years to records held in memory, after [`mark_duplicates`].
pub fn link_years(records: &mut [ReportRecord]) {
    let mut summaries = Summaries::default();
    for r in records.iter() {
        summaries.push(r);
    }
    for (file, checks) in carry_over(summaries.carries, &vec![None; records.len()]) {
        records[file as usize].checks.extend(checks);
    }
}

/// Marks repeated content in records held in memory (see [`find_duplicates`]).
pub fn mark_duplicates(records: &mut [ReportRecord]) {
    let mut summaries = Summaries::default();
    for r in records.iter() {
        summaries.push(r);
    }
    let marks = find_duplicates(&summaries, |i| records[i].source_path.as_str());
    for (r, mark) in records.iter_mut().zip(marks) {
        if let Some(m) = mark {
            apply_mark(r, &m);
        }
    }
}

/// Files processed per parallel batch: bounds memory to one chunk's records and facts.
pub const DEFAULT_CHUNK_FILES: usize = 512;

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Corpus root (a directory or one file).
    pub corpus: PathBuf,
    /// Output directory.
    pub out: PathBuf,
    /// Worker threads (`None`: one per core).
    pub jobs: Option<usize>,
    /// No progress bar.
    pub quiet: bool,
    /// Size limit per file.
    pub max_file_bytes: u64,
    /// Time budget per file (`None`: no limit); a file over it is `failed`.
    pub file_timeout: Option<Duration>,
    /// Ignore the previous run's cache and parse every file.
    pub full: bool,
    /// The part of the corpus this process handles.
    pub shard: Shard,
    /// Hive-style partition columns of the output.
    pub partition_by: Vec<PartitionBy>,
    /// Files per parallel batch.
    pub chunk_files: usize,
    /// Read and hash every file, even those whose stamp says they are unchanged.
    pub verify: bool,
    /// Rows of one sort group (files sharing agency and year) held in memory before they
    /// are spilled.
    pub group_rows: usize,
    /// Reuse the records of the shard runs written into this directory (their caches)
    /// instead of this output's own cache: the whole-corpus run after N shard runs.
    pub from_shards: Option<PathBuf>,
}

impl RunOptions {
    /// Options for a whole-corpus run with defaults otherwise.
    pub fn new(corpus: impl Into<PathBuf>, out: impl Into<PathBuf>) -> RunOptions {
        RunOptions {
            corpus: corpus.into(),
            out: out.into(),
            jobs: None,
            quiet: true,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            file_timeout: Some(DEFAULT_FILE_TIMEOUT),
            full: false,
            shard: Shard::ALL,
            partition_by: Vec::new(),
            chunk_files: DEFAULT_CHUNK_FILES,
            verify: false,
            group_rows: collate::DEFAULT_GROUP_ROWS,
            from_shards: None,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Files seen (in this shard).
    pub files: usize,
    /// Files whose previous result was reused.
    pub reused: usize,
    /// Of those, files not even read (their stamp vouched for them).
    pub unread: usize,
    /// Directories walked.
    pub dirs: usize,
    /// Of those, directories whose listing from the last run was used (their stamp vouched
    /// for it) instead of reading them.
    pub dirs_reused: usize,
    /// Reports by status.
    pub by_status: BTreeMap<Status, usize>,
    /// Rows written to facts.parquet.
    pub facts: usize,
    /// Failed checks written.
    pub checks_failed: usize,
    /// Files that ran out of their time budget (`failed`, "exceeded … s in …").
    pub timed_out: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Wall time of each phase, in order (printed by `run --timings`).
    pub phases: Vec<(&'static str, Duration)>,
}

impl RunSummary {
    /// The phase times as one line: `walk 0.05s, process 5.10s, …`.
    pub fn phase_line(&self) -> String {
        let parts: Vec<String> = self
            .phases
            .iter()
            .map(|(name, d)| format!("{name} {:.2}s", d.as_secs_f64()))
            .collect();
        parts.join(", ")
    }
}

impl std::fmt::Display for RunSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let statuses: Vec<String> = self
            .by_status
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        write!(
            f,
            "{} files ({}); {} reused from the last run ({} unread, {} of {} directories unchanged); {} facts; {} checks failed; {} out of time; {:.2}s, {:.1} files/s, {:.2} MB/s",
            self.files,
            statuses.join(", "),
            self.reused,
            self.unread,
            self.dirs_reused,
            self.dirs,
            self.facts,
            self.checks_failed,
            self.timed_out,
            secs,
            self.files as f64 / secs,
            self.bytes as f64 / 1e6 / secs
        )
    }
}

/// Why a run could not complete.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The corpus does not exist.
    #[error("corpus {0} does not exist")]
    NoCorpus(PathBuf),
    /// The output directory cannot be created.
    #[error("cannot create output directory {path}: {source}")]
    OutDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The thread pool could not be built.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
    /// A temporary or cache file could not be written or read back.
    #[error(transparent)]
    Spill(#[from] SpillError),
    /// The dataset could not be written.
    #[error(transparent)]
    Sink(#[from] sink::SinkError),
}

/// The previous run's record of a file, and whether its stamp alone may vouch for it.
struct Reuse {
    raw: RawRecord,
    /// The stamp is unchanged and the file had settled before the previous run.
    stamp_vouches: bool,
}

/// What became of one entry in a run that may reuse the previous run's records.
struct Outcome {
    /// The record; when reused, skimmed (see [`skim_record`]).
    record: ReportRecord,
    /// Its number of facts and of failed checks.
    facts: u32,
    checks_failed: u32,
    /// The previous encoding, when the record was reused (written to the next cache as is).
    reused: Option<Vec<u8>>,
    /// Reused on the file's stamp alone, without reading the file.
    unread: bool,
}

/// Processes one entry, reusing the previous run's record of the same path when the file is
/// unchanged: by its stamp without reading it, or else by its content hash. A record of a
/// file that ran out of time is never reused: how long a file takes depends on the machine
/// and its load, so the next run tries it again.
fn process_reusing(
    entry: &Entry,
    k: &Knowledge,
    max_bytes: u64,
    timeout: Option<Duration>,
    reuse: Option<Reuse>,
) -> Outcome {
    let fresh = |record: ReportRecord| Outcome {
        facts: record.facts.len() as u32,
        checks_failed: record.checks_failed() as u32,
        record,
        reused: None,
        unread: false,
    };
    if let Some(p) = refused(entry, max_bytes) {
        return fresh(p.record);
    }
    let skimmed = reuse.and_then(|r| {
        let skim = skim_record(&r.raw.encoded, CarryOver::is_carry_indicator).ok()?;
        let timed_out = skim.record.status == Status::Failed
            && budget::is_timeout_reason(skim.record.reason.as_deref());
        (!timed_out).then_some((skim, r.raw.encoded, r.stamp_vouches))
    });
    let reused = |skim: Skim, raw: Vec<u8>, unread: bool| Outcome {
        record: skim.record,
        facts: skim.facts,
        checks_failed: skim.checks_failed,
        reused: Some(raw),
        unread,
    };
    if let Some((skim, raw, true)) = skimmed {
        return reused(skim, raw, true);
    }
    let deadline = Deadline::after(timeout);
    let bytes = match read_regular(entry, max_bytes) {
        Ok(bytes) => bytes,
        Err(p) => return fresh(p.record),
    };
    match skimmed {
        Some((skim, raw, _))
            if skim.record.bytes == bytes.len() as u64
                && skim.record.report_id == report_id(&bytes) =>
        {
            reused(skim, raw, false)
        }
        _ => fresh(process_caught_within(&entry.rel, &bytes, k, &deadline).record),
    }
}

/// The state of a run after processing: per-file summaries in memory, records on disk.
struct RunRecords {
    files: Summaries,
    records: PathBuf,
    reused: usize,
    unread: usize,
    /// Files that ran out of their time budget.
    timed_out: usize,
}

/// Processes the corpus chunk by chunk: each chunk in parallel, while a second thread
/// appends the previous chunk's records to the record file (the next cache) and keeps a
/// summary of each. At most two chunks are in memory.
fn process_in_chunks(
    entries: &[Entry],
    opts: &RunOptions,
    k: &Knowledge,
    work: &WorkDir,
    stamp: &Stamp,
    pool: &rayon::ThreadPool,
    started_ns: i64,
) -> Result<RunRecords, RunError> {
    let mut cache = match &opts.from_shards {
        _ if opts.full => None,
        Some(dir) => Cache::open_shards(dir, stamp),
        None => Cache::open(&opts.out, &opts.shard.suffix(), stamp),
    };
    let bar = progress_bar(entries.len() as u64, opts.quiet);
    let processed = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(0);
        let writer = scope.spawn(move || store_chunks(rx, entries.len(), work, stamp, started_ns));
        for chunk in entries.chunks(opts.chunk_files.max(1)) {
            let reuse: Vec<Option<Reuse>> = chunk
                .iter()
                .map(|e| {
                    let raw = cache.as_mut()?.take(&e.rel)?;
                    let stamp_vouches = !opts.verify
                        && e.stamp.is_some()
                        && raw.file == e.stamp
                        && e.stamp
                            .is_some_and(|s| s.settled_before(raw.run_started_ns));
                    Some(Reuse { raw, stamp_vouches })
                })
                .collect();
            let results: Vec<Outcome> = pool.install(|| {
                chunk
                    .par_iter()
                    .zip(reuse.into_par_iter())
                    .map(|(e, c)| {
                        let r = process_reusing(e, k, opts.max_file_bytes, opts.file_timeout, c);
                        bar.inc(1);
                        r
                    })
                    .collect()
            });
            let stamps = chunk.iter().map(|e| e.stamp).collect();
            if tx.send(Chunk { results, stamps }).is_err() {
                break; // the writer stopped on an error, which join reports
            }
        }
        drop(tx);
        writer
            .join()
            .unwrap_or_else(|_| Err(RunError::Threads("record writer panicked".to_string())))
    });
    bar.finish_and_clear();
    processed
}

/// One processed chunk on its way to the record writer: the records (with their previous
/// encoding when reused) and the stamps of their files.
struct Chunk {
    results: Vec<Outcome>,
    stamps: Vec<Option<FileStamp>>,
}

/// The record writer thread: records to the record file, and one [`FileSummary`] per file
/// kept in memory.
fn store_chunks(
    chunks: std::sync::mpsc::Receiver<Chunk>,
    files: usize,
    work: &WorkDir,
    stamp: &Stamp,
    started_ns: i64,
) -> Result<RunRecords, RunError> {
    let records = work.next_file("records");
    let mut store = RecordWriter::create(&records, stamp, started_ns)?;
    let mut out = RunRecords {
        files: Summaries {
            files: Vec::with_capacity(files),
            ..Summaries::default()
        },
        records,
        reused: 0,
        unread: 0,
        timed_out: 0,
    };
    for chunk in chunks {
        for (outcome, file) in chunk.results.iter().zip(&chunk.stamps) {
            let at = match &outcome.reused {
                Some(raw) => {
                    out.reused += 1;
                    out.unread += usize::from(outcome.unread);
                    store.append_raw(raw, file.as_ref())?
                }
                None => store.append(&outcome.record, file.as_ref())?,
            };
            let r = &outcome.record;
            out.timed_out += usize::from(
                r.status == Status::Failed && budget::is_timeout_reason(r.reason.as_deref()),
            );
            out.files
                .push_counted(&outcome.record, outcome.facts, outcome.checks_failed, at);
        }
    }
    store.finish()?;
    Ok(out)
}

/// Writes the dataset from the record file: facts first (collated on one thread, encoded on
/// another, a row group's columns in parallel), then checks (and after them the panel) and
/// reports side by side. Each
/// table is finished before the next starts, so only its buffers are alive: writing all
/// three at once was no faster (both cores are busy with facts alone) and took 40–100 MB more
/// at 10⁵ files.
fn write_tables(
    collator: &collate::Collator<'_>,
    opts: &RunOptions,
    k: &Knowledge,
) -> Result<sink::Written, RunError> {
    let mut sink_opts = SinkOptions::new(env!("CARGO_PKG_VERSION"), k.version());
    sink_opts.suffix = opts.shard.suffix();
    sink_opts.partition_by = opts.partition_by.clone();
    sink_opts.pool = Some(collator.pool.clone());
    let DatasetWriter {
        mut facts,
        mut reports,
        mut checks,
        mut panel,
    } = DatasetWriter::create(&opts.out, &sink_opts)?;
    let f = collator.facts(&mut facts).and_then(|_| Ok(facts.finish()?));
    let (cp, r) = std::thread::scope(|scope| {
        let cp = scope.spawn(|| {
            collator.checks(&mut checks)?;
            let c = checks.finish()?;
            collator.panel(&mut panel, &k.panel)?;
            Ok::<_, RunError>((c, panel.finish()?))
        });
        let r = collator
            .reports(&mut reports)
            .and_then(|_| Ok(reports.finish()?));
        let cp = cp
            .join()
            .unwrap_or_else(|_| Err(RunError::Threads("checks writer panicked".to_string())));
        (cp, r)
    });
    let (f, r, (c, p)) = (f?, r?, cp?);
    let written = sink::publish(f, r, c, p)?;
    sink::remove_stale(&opts.out, &opts.shard.suffix(), &written.files)?;
    Ok(written)
}

/// Processes a corpus (or one shard of it) and writes the dataset, reusing the results of
/// the previous run in the same output directory for unchanged files.
///
/// Memory is bounded by one chunk of records plus a small summary per file: records go to a
/// record file (which becomes the next run's cache) and are read back from it in each
/// table's order (see [`collate`]). The output is byte-identical to sorting everything in
/// memory, whatever `-j`, chunk size or cache state.
pub fn run(opts: &RunOptions, k: &Knowledge) -> Result<RunSummary, RunError> {
    run_loading(opts, || k)
}

/// [`run`], with the knowledge built by `load` on another thread while the corpus is walked:
/// building the rules (the gazetteer's automaton above all) takes about as long as
/// re-collating a few thousand reports, a visible share of a nightly incremental run.
pub fn run_loading<K: std::borrow::Borrow<Knowledge> + Send>(
    opts: &RunOptions,
    load: impl FnOnce() -> K + Send,
) -> Result<RunSummary, RunError> {
    let start = Instant::now();
    let started_ns = incremental::now_ns();
    if !opts.corpus.exists() {
        return Err(RunError::NoCorpus(opts.corpus.clone()));
    }
    std::fs::create_dir_all(&opts.out).map_err(|source| RunError::OutDir {
        path: opts.out.clone(),
        source,
    })?;
    let pool = std::sync::Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(opts.jobs.unwrap_or(0))
            .build()
            .map_err(|e| RunError::Threads(e.to_string()))?,
    );
    let mut phases = Vec::new();
    let mut lap = Instant::now();
    let mut phase = |name: &'static str| {
        phases.push((name, lap.elapsed()));
        lap = Instant::now();
    };
    let (entries, loaded) = std::thread::scope(|s| {
        let loading = s.spawn(load);
        // --full and --verify distrust every stamp, the directories' too.
        let previous = (!opts.full && !opts.verify)
            .then(|| walk::Listings::load(&walk::listings_path(&opts.out, &opts.shard.suffix())))
            .flatten();
        let walked = pool.install(|| walk::walk_listing(&opts.corpus, previous.as_ref()));
        let entries: Vec<Entry> = walked
            .entries
            .into_iter()
            .filter(|e| opts.shard.contains(&e.rel))
            .collect();
        (
            (entries, walked.listings, walked.dirs_reused),
            loading.join(),
        )
    });
    let (entries, listings, dirs_reused) = entries;
    let dirs = listings.as_ref().map_or(0, |l| l.dirs.len());
    let listings = listings
        .map(|l| l.stage(&walk::listings_path(&opts.out, &opts.shard.suffix())))
        .transpose()?;
    let loaded =
        loaded.map_err(|_| RunError::Threads("building the rules panicked".to_string()))?;
    let k: &Knowledge = loaded.borrow();
    phase("walk");
    let stamp = Stamp {
        version: env!("CARGO_PKG_VERSION").to_string(),
        knowledge: k.version().to_string(),
    };
    let suffix = opts.shard.suffix();
    let work = WorkDir::create(&opts.out, &suffix)?;
    let mut processed = process_in_chunks(&entries, opts, k, &work, &stamp, &pool, started_ns)?;
    phase("process");
    let marks = find_duplicates(&processed.files, |i| entries[i].rel.as_str());
    let years = carry_over(std::mem::take(&mut processed.files.carries), &marks);
    phase("link");
    let mut summary = RunSummary {
        files: entries.len(),
        reused: processed.reused,
        unread: processed.unread,
        timed_out: processed.timed_out,
        dirs,
        dirs_reused,
        bytes: entries
            .iter()
            .map(|e| e.bytes.min(opts.max_file_bytes))
            .sum(),
        ..RunSummary::default()
    };
    for (f, m) in processed.files.files.iter().zip(&marks) {
        let status = if m.is_some() {
            Status::Duplicate
        } else {
            f.status
        };
        *summary.by_status.entry(status).or_default() += 1;
        if matches!(status, Status::Ok | Status::Partial) {
            summary.checks_failed += f.checks_failed as usize;
        }
    }
    summary.checks_failed += years.values().flatten().filter(|c| !c.ok).count();
    let store = RecordStore::open(&processed.records)?;
    let collator = collate::Collator {
        store: &store,
        files: &processed.files,
        marks: &marks,
        years: &years,
        work: &work,
        pool: &pool,
        group_rows: opts.group_rows,
    };
    let written = write_tables(&collator, opts, k)?;
    drop(store);
    phase("write");
    incremental::publish(&processed.records, &opts.out, &suffix)?;
    if let Some(listings) = listings {
        listings.publish()?;
    }
    incremental::remove_stale_caches(&opts.out, &suffix);
    phase("publish");
    summary.phases = phases;
    summary.facts = written.facts;
    summary.elapsed = start.elapsed();
    Ok(summary)
}

fn progress_bar(len: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}
