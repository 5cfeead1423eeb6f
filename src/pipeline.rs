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

use crate::document::Document;
use crate::extract::{self, Extraction};
use crate::incremental::{self, Cache, RecordReader, RecordWriter, Stamp};
use crate::ingest::{self, Format, ReadError};
use crate::knowledge::Knowledge;
use crate::model::{Check, ReportRecord, Status};
use crate::shard::Shard;
use crate::sink::{
    self, CheckRow, DatasetWriter, FactRow, PartitionBy, RecordColumns, ReportRow, SinkOptions,
    TableRow, TableWriter,
};
use crate::spill::{
    Dec, RunRow, SpillError, WorkDir, decode_record, merge_runs, write_run_in_order,
};
use crate::validate::{self, CarryOver};
use crate::{classify, normalize};

/// Files larger than this are not read (a crawl holds the odd multi-gigabyte video or dump).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

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
    let format = ingest::sniff_format(Path::new(rel_path), bytes);
    let mut record = new_record(rel_path, bytes, format);
    let decoded = match ingest::read_document(format, bytes) {
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
    let doc = decoded.doc;
    let identity = normalize::identify(&doc, rel_path, &k.names);
    let extraction = extract::extract(&doc, k, identity.year);
    record.identity = identity;
    if let Err(why) = classify::is_annual_report(&doc, &extraction) {
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
        facts,
        mut checks,
        notes,
        unmapped,
    } = extraction;
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
    match catch_unwind(AssertUnwindSafe(|| process_bytes(rel_path, bytes, k))) {
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

/// One entry of the walked corpus.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Absolute or corpus-joined path.
    pub path: PathBuf,
    /// Path relative to the corpus root, `/`-separated.
    pub rel: String,
    /// Size in bytes (0 when unknown).
    pub bytes: u64,
    /// Why the entry cannot be read at all (walk error, broken symlink).
    pub problem: Option<String>,
}

/// Walks the corpus: every file (following symlinks to files, recording broken ones), sorted
/// by relative path.
pub fn walk(corpus: &Path) -> Vec<Entry> {
    let mut out = Vec::new();
    if corpus.is_file() {
        let name = corpus
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = corpus.metadata().map(|m| m.len()).unwrap_or(0);
        return vec![Entry {
            path: corpus.to_path_buf(),
            rel: name,
            bytes,
            problem: None,
        }];
    }
    for item in walkdir::WalkDir::new(corpus)
        .follow_links(false)
        .sort_by_file_name()
    {
        match item {
            Ok(e) => {
                let rel = relative(corpus, e.path());
                if e.file_type().is_dir() {
                    continue;
                }
                if e.file_type().is_symlink() {
                    match std::fs::metadata(e.path()) {
                        Ok(m) if m.is_file() => out.push(Entry {
                            path: e.path().to_path_buf(),
                            rel,
                            bytes: m.len(),
                            problem: None,
                        }),
                        Ok(_) => {}
                        Err(err) => out.push(Entry {
                            path: e.path().to_path_buf(),
                            rel,
                            bytes: 0,
                            problem: Some(format!("broken symlink: {err}")),
                        }),
                    }
                    continue;
                }
                let bytes = e.metadata().map(|m| m.len()).unwrap_or(0);
                out.push(Entry {
                    path: e.path().to_path_buf(),
                    rel,
                    bytes,
                    problem: None,
                });
            }
            Err(err) => {
                if let Some(p) = err.path() {
                    if p.is_dir() {
                        continue;
                    }
                    out.push(Entry {
                        path: p.to_path_buf(),
                        rel: relative(corpus, p),
                        bytes: 0,
                        problem: Some(err.to_string()),
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads and processes one walked entry.
pub fn process_entry(entry: &Entry, k: &Knowledge, max_bytes: u64) -> Processed {
    let unreadable = |status: Status, reason: String, bytes: u64| {
        let mut record = ReportRecord::empty(
            entry.rel.clone(),
            report_id(b""),
            bytes,
            Format::Other.as_str(),
        );
        record.status = status;
        record.reason = Some(reason);
        Processed {
            record,
            doc: None,
            unmapped: Vec::new(),
        }
    };
    if let Some(p) = &entry.problem {
        return unreadable(Status::Unreadable, p.clone(), 0);
    }
    if entry.bytes > max_bytes {
        let mut p = unreadable(
            Status::Unsupported,
            format!(
                "file too large: {} bytes over the {} byte limit",
                entry.bytes, max_bytes
            ),
            entry.bytes,
        );
        p.record.format = ingest::sniff_format(&entry.path, b"").as_str().to_string();
        return p;
    }
    match std::fs::read(&entry.path) {
        Ok(bytes) => process_caught(&entry.rel, &bytes, k),
        Err(e) => unreadable(Status::Unreadable, format!("cannot read: {e}"), entry.bytes),
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

/// The carry-over figures of one file, with what a check row needs.
#[derive(Debug, Clone)]
pub struct CarryEntry {
    /// Index of the file in walk order.
    pub file: u32,
    /// Agency, year and the 上年结转 / 结转下年度 figures.
    pub carry: CarryOver,
    /// The file's report_id.
    pub report_id: String,
    /// Its province (partitions checks by province).
    pub province: Option<String>,
}

impl Summaries {
    /// Appends the summary of the next file's record.
    pub fn push(&mut self, r: &ReportRecord) {
        if sink::contributes(r) {
            if let Some(carry) =
                CarryOver::of(r.identity.agency.as_deref(), r.identity.year, &r.facts)
            {
                self.carries.push(CarryEntry {
                    file: self.files.len() as u32,
                    carry,
                    report_id: r.report_id.clone(),
                    province: r.identity.province.clone(),
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
            facts: r.facts.len() as u32,
            checks_failed: r.checks_failed() as u32,
        });
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
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
    carries: &[CarryEntry],
    marks: &[Option<DuplicateMark>],
) -> BTreeMap<u32, Vec<Check>> {
    let kept: Vec<&CarryEntry> = carries
        .iter()
        .filter(|c| marks.get(c.file as usize).is_none_or(|m| m.is_none()))
        .collect();
    let overs: Vec<CarryOver> = kept.iter().map(|c| c.carry.clone()).collect();
    let mut out: BTreeMap<u32, Vec<Check>> = BTreeMap::new();
    for (j, check) in validate::carry_over_checks(&overs) {
        out.entry(kept[j].file).or_default().push(check);
    }
    out
}

/// Adds the checks across years to records held in memory, after [`mark_duplicates`].
pub fn link_years(records: &mut [ReportRecord]) {
    let mut summaries = Summaries::default();
    for r in records.iter() {
        summaries.push(r);
    }
    for (file, checks) in carry_over(&summaries.carries, &vec![None; records.len()]) {
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
    /// Ignore the previous run's cache and parse every file.
    pub full: bool,
    /// The part of the corpus this process handles.
    pub shard: Shard,
    /// Hive-style partition columns of the output.
    pub partition_by: Vec<PartitionBy>,
    /// Files per parallel batch.
    pub chunk_files: usize,
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
            full: false,
            shard: Shard::ALL,
            partition_by: Vec::new(),
            chunk_files: DEFAULT_CHUNK_FILES,
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
    /// Reports by status.
    pub by_status: BTreeMap<Status, usize>,
    /// Rows written to facts.parquet.
    pub facts: usize,
    /// Failed checks written.
    pub checks_failed: usize,
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
            "{} files ({}); {} reused from the last run; {} facts; {} checks failed; {:.2}s, {:.1} files/s, {:.2} MB/s",
            self.files,
            statuses.join(", "),
            self.reused,
            self.facts,
            self.checks_failed,
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

/// Processes one entry, reusing `cached` (the previous run's encoded record of the same
/// path) when the content hash is unchanged. Returns the record and, when it was reused, its
/// encoding (written to the next cache as is).
fn process_reusing(
    entry: &Entry,
    k: &Knowledge,
    max_bytes: u64,
    cached: Option<Vec<u8>>,
) -> (ReportRecord, Option<Vec<u8>>) {
    if entry.problem.is_some() || entry.bytes > max_bytes {
        return (process_entry(entry, k, max_bytes).record, None);
    }
    let bytes = match std::fs::read(&entry.path) {
        Ok(bytes) => bytes,
        Err(_) => return (process_entry(entry, k, max_bytes).record, None),
    };
    let decoded = cached.and_then(|raw| {
        let record = decode_record(&mut Dec::new(raw.as_slice())).ok()?;
        Some((record, raw))
    });
    match decoded {
        Some((c, raw)) if c.bytes == bytes.len() as u64 && c.report_id == report_id(&bytes) => {
            (c, Some(raw))
        }
        _ => (process_caught(&entry.rel, &bytes, k).record, None),
    }
}

/// The state of a run between chunks: per-file summaries in memory, everything else on disk.
struct Spilled {
    files: Summaries,
    fact_runs: Vec<PathBuf>,
    check_runs: Vec<PathBuf>,
    records: PathBuf,
    reused: usize,
}

/// Processes the corpus chunk by chunk: each chunk in parallel, while a second thread
/// appends the previous chunk's records to the record file (the next cache) and spills its
/// facts and checks as sorted runs. At most two chunks are in memory.
fn process_in_chunks(
    entries: &[Entry],
    opts: &RunOptions,
    k: &Knowledge,
    work: &WorkDir,
    stamp: &Stamp,
) -> Result<Spilled, RunError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.unwrap_or(0))
        .build()
        .map_err(|e| RunError::Threads(e.to_string()))?;
    let mut cache = if opts.full {
        None
    } else {
        Cache::open(&opts.out, &opts.shard.suffix(), stamp)
    };
    let bar = progress_bar(entries.len() as u64, opts.quiet);
    let spilled = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(0);
        let spiller = scope.spawn(move || spill_chunks(rx, entries.len(), work, stamp));
        for (c, chunk) in entries.chunks(opts.chunk_files.max(1)).enumerate() {
            let first = c * opts.chunk_files.max(1);
            let cached: Vec<Option<Vec<u8>>> = chunk
                .iter()
                .map(|e| cache.as_mut().and_then(|c| c.take(&e.rel)))
                .collect();
            let results: Vec<(ReportRecord, Option<Vec<u8>>)> = pool.install(|| {
                chunk
                    .par_iter()
                    .zip(cached.into_par_iter())
                    .map(|(e, c)| {
                        let r = process_reusing(e, k, opts.max_file_bytes, c);
                        bar.inc(1);
                        r
                    })
                    .collect()
            });
            let chunk = pool.install(|| chunk_rows(results, first));
            if tx.send(chunk).is_err() {
                break; // the spiller stopped on an error, which join reports
            }
        }
        drop(tx);
        spiller
            .join()
            .unwrap_or_else(|_| Err(RunError::Threads("spill thread panicked".to_string())))
    });
    bar.finish_and_clear();
    spilled
}

/// One processed chunk on its way to the spill thread: the records, and their facts and
/// checks rows with the order that sorts them (computed in parallel on the worker pool).
struct Chunk {
    results: Vec<(ReportRecord, Option<Vec<u8>>)>,
    facts: SortedRows<FactRow>,
    checks: SortedRows<CheckRow>,
}

/// Rows and the index order that sorts them.
struct SortedRows<T> {
    rows: Vec<T>,
    order: Vec<u32>,
}

/// Builds the facts and checks rows of a chunk whose first file is `first` in walk order,
/// and sorts them, in parallel.
fn chunk_rows(results: Vec<(ReportRecord, Option<Vec<u8>>)>, first: usize) -> Chunk {
    let contributing = || {
        results
            .par_iter()
            .enumerate()
            .filter(|(_, (r, _))| sink::contributes(r))
            .map(|(i, (r, _))| ((first + i) as u32, r))
    };
    let (facts, checks) = rayon::join(
        || {
            let rows: Vec<FactRow> = contributing()
                .flat_map_iter(|(file, r)| {
                    let columns = RecordColumns::of(r);
                    r.facts
                        .iter()
                        .enumerate()
                        .map(move |(n, f)| FactRow::with(&columns, f, file, n as u32))
                })
                .collect();
            sorted(rows)
        },
        || {
            let rows: Vec<CheckRow> = contributing()
                .flat_map_iter(|(file, r)| {
                    r.checks
                        .iter()
                        .enumerate()
                        .map(move |(n, c)| CheckRow::of(r, c, file, n as u32))
                })
                .collect();
            sorted(rows)
        },
    );
    Chunk {
        results,
        facts,
        checks,
    }
}

fn sorted<T: RunRow + Sync>(rows: Vec<T>) -> SortedRows<T> {
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| rows[a as usize].order(&rows[b as usize]));
    SortedRows { rows, order }
}

/// The spill thread: records to the record file, sorted facts and checks to runs, and one
/// [`FileSummary`] per file kept in memory.
fn spill_chunks(
    chunks: std::sync::mpsc::Receiver<Chunk>,
    files: usize,
    work: &WorkDir,
    stamp: &Stamp,
) -> Result<Spilled, RunError> {
    let records = work.next_file("records");
    let mut store = RecordWriter::create(&records, stamp)?;
    let mut out = Spilled {
        files: Summaries {
            files: Vec::with_capacity(files),
            ..Summaries::default()
        },
        fact_runs: Vec::new(),
        check_runs: Vec::new(),
        records,
        reused: 0,
    };
    for chunk in chunks {
        for (record, reused) in &chunk.results {
            match reused {
                Some(raw) => {
                    out.reused += 1;
                    store.append_raw(raw)?;
                }
                None => store.append(record)?,
            }
            out.files.push(record);
        }
        drop(chunk.results);
        spill_run(work, "facts", chunk.facts, &mut out.fact_runs)?;
        spill_run(work, "checks", chunk.checks, &mut out.check_runs)?;
    }
    store.finish()?;
    Ok(out)
}

fn spill_run<T: RunRow>(
    work: &WorkDir,
    stem: &str,
    sorted: SortedRows<T>,
    runs: &mut Vec<PathBuf>,
) -> Result<(), SpillError> {
    if !sorted.rows.is_empty() {
        let path = work.next_file(stem);
        write_run_in_order(&path, &sorted.rows, &sorted.order)?;
        runs.push(path);
    }
    Ok(())
}

/// Rows handed from a merging thread to an encoding thread at a time.
const HANDOFF_ROWS: usize = 4096;

/// Merges sorted runs into a table, leaving out rows of duplicate files: one thread decodes
/// and merges, the calling thread encodes Parquet.
fn merge_into<T>(
    work: &WorkDir,
    runs: Vec<PathBuf>,
    stem: &str,
    keep: &(dyn Fn(u32) -> bool + Sync),
    writer: &mut TableWriter<T>,
) -> Result<(), RunError>
where
    T: RunRow + TableRow + Send,
{
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<T>>(2);
        let merger = scope.spawn(move || {
            let mut batch = Vec::with_capacity(HANDOFF_ROWS);
            merge_runs::<T, SpillError>(work, runs, stem, |row| {
                if keep(row.file()) {
                    batch.push(row);
                    if batch.len() == HANDOFF_ROWS {
                        // A closed channel means the writer failed; its error is reported.
                        let _ = tx.send(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(HANDOFF_ROWS),
                        ));
                    }
                }
                Ok(())
            })?;
            let _ = tx.send(batch);
            Ok::<(), SpillError>(())
        });
        let mut written: Result<(), RunError> = Ok(());
        for batch in rx {
            if let Err(e) = batch.into_iter().try_for_each(|row| writer.push(row)) {
                written = Err(e.into());
                break;
            }
        }
        let merged = merger.join().unwrap_or_else(|_| {
            Err(SpillError {
                path: work.path().to_path_buf(),
                source: std::io::Error::other("merge thread panicked"),
            })
        });
        written?;
        Ok(merged?)
    })
}

/// Streams the record file into reports rows, with duplicate marks applied.
fn write_reports(
    records: &Path,
    marks: &[Option<DuplicateMark>],
    years: &BTreeMap<u32, Vec<Check>>,
    stamp: &Stamp,
    writer: &mut TableWriter<ReportRow>,
) -> Result<(), RunError> {
    let mut reader = RecordReader::open(records, stamp)?.ok_or_else(|| SpillError {
        path: records.to_path_buf(),
        source: std::io::ErrorKind::InvalidData.into(),
    })?;
    let mut i = 0;
    while let Some(mut r) = reader.next_record()? {
        if let Some(Some(m)) = marks.get(i) {
            apply_mark(&mut r, m);
        }
        if let Some(checks) = years.get(&(i as u32)) {
            r.checks.extend(checks.iter().cloned());
        }
        writer.push(ReportRow::of(&r))?;
        i += 1;
    }
    Ok(())
}

/// Spills the checks across years as one more sorted run of checks rows.
fn spill_year_checks(
    work: &WorkDir,
    years: &BTreeMap<u32, Vec<Check>>,
    files: &Summaries,
    entries: &[Entry],
    runs: &mut Vec<PathBuf>,
) -> Result<(), RunError> {
    let mut rows: Vec<CheckRow> = Vec::new();
    for entry in &files.carries {
        let Some(checks) = years.get(&entry.file) else {
            continue;
        };
        for (n, c) in checks.iter().enumerate() {
            rows.push(CheckRow {
                report_id: entry.report_id.clone(),
                agency: Some(entry.carry.agency.clone()),
                year: Some(entry.carry.year),
                check: c.check.clone(),
                expected: c.expected,
                actual: c.actual,
                ok: c.ok,
                province: entry.province.clone(),
                source_path: entries
                    .get(entry.file as usize)
                    .map(|e| e.rel.clone())
                    .unwrap_or_default(),
                file: entry.file,
                // After the file's own checks, whatever their number.
                seq: u32::MAX / 2 + n as u32,
            });
        }
    }
    Ok(spill_run(work, "checks", sorted(rows), runs)?)
}

/// Writes the dataset from the spilled state, the three tables concurrently: reports from
/// the record file, facts and checks merged from their runs minus duplicates' rows.
fn write_from_spill(
    spilled: Spilled,
    marks: &[Option<DuplicateMark>],
    years: &BTreeMap<u32, Vec<Check>>,
    opts: &RunOptions,
    k: &Knowledge,
    work: &WorkDir,
    stamp: &Stamp,
) -> Result<sink::Written, RunError> {
    let mut sink_opts = SinkOptions::new(env!("CARGO_PKG_VERSION"), k.version());
    sink_opts.suffix = opts.shard.suffix();
    sink_opts.partition_by = opts.partition_by.clone();
    let DatasetWriter {
        mut facts,
        mut reports,
        mut checks,
    } = DatasetWriter::create(&opts.out, &sink_opts)?;
    let keep = |file: u32| marks.get(file as usize).is_none_or(|m| m.is_none());
    let Spilled {
        fact_runs,
        check_runs,
        records,
        ..
    } = spilled;
    // Facts first (the largest table: merged on one thread, encoded on another), then
    // reports and checks side by side; each table is finished before the next starts, so
    // only its buffers are alive.
    merge_into(work, fact_runs, "facts", &keep, &mut facts)?;
    let facts = facts.finish()?;
    let (c, r) = std::thread::scope(|scope| {
        let c = scope.spawn(|| {
            merge_into(work, check_runs, "checks", &keep, &mut checks)?;
            Ok::<_, RunError>(checks.finish()?)
        });
        let r = write_reports(&records, marks, years, stamp, &mut reports)
            .and_then(|_| Ok(reports.finish()?));
        let c = c
            .join()
            .unwrap_or_else(|_| Err(RunError::Threads("checks writer panicked".to_string())));
        (c, r)
    });
    Ok(sink::publish(facts, r?, c?)?)
}

/// Processes a corpus (or one shard of it) and writes the dataset, reusing the results of
/// the previous run in the same output directory for unchanged files.
///
/// Memory is bounded by one chunk of records plus a small summary per file: records go to a
/// record file (which becomes the next run's cache), facts and checks to sorted runs merged
/// at the end. The output is byte-identical to sorting everything in memory, whatever `-j`,
/// chunk size or cache state.
pub fn run(opts: &RunOptions, k: &Knowledge) -> Result<RunSummary, RunError> {
    let start = Instant::now();
    if !opts.corpus.exists() {
        return Err(RunError::NoCorpus(opts.corpus.clone()));
    }
    std::fs::create_dir_all(&opts.out).map_err(|source| RunError::OutDir {
        path: opts.out.clone(),
        source,
    })?;
    let mut phases = Vec::new();
    let mut lap = Instant::now();
    let mut phase = |name: &'static str| {
        phases.push((name, lap.elapsed()));
        lap = Instant::now();
    };
    let entries: Vec<Entry> = walk(&opts.corpus)
        .into_iter()
        .filter(|e| opts.shard.contains(&e.rel))
        .collect();
    phase("walk");
    let stamp = Stamp {
        version: env!("CARGO_PKG_VERSION").to_string(),
        knowledge: k.version().to_string(),
    };
    let suffix = opts.shard.suffix();
    let work = WorkDir::create(&opts.out, &suffix)?;
    let spilled = process_in_chunks(&entries, opts, k, &work, &stamp)?;
    phase("process");
    let marks = find_duplicates(&spilled.files, |i| entries[i].rel.as_str());
    let years = carry_over(&spilled.files.carries, &marks);
    phase("link");
    let mut summary = RunSummary {
        files: entries.len(),
        reused: spilled.reused,
        bytes: entries
            .iter()
            .map(|e| e.bytes.min(opts.max_file_bytes))
            .sum(),
        ..RunSummary::default()
    };
    for (f, m) in spilled.files.files.iter().zip(&marks) {
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
    let records = spilled.records.clone();
    summary.checks_failed += years.values().flatten().filter(|c| !c.ok).count();
    let mut spilled = spilled;
    spill_year_checks(
        &work,
        &years,
        &spilled.files,
        &entries,
        &mut spilled.check_runs,
    )?;
    let written = write_from_spill(spilled, &marks, &years, opts, k, &work, &stamp)?;
    phase("write");
    incremental::publish(&records, &opts.out, &suffix)?;
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
