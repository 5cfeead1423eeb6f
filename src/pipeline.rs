//! The pipeline: one file through every stage ([`process_bytes`]), and a whole corpus walked,
//! processed in parallel and written ([`run`]).
//!
//! One parallel boundary: the corpus is walked serially into a sorted list of paths, files are
//! processed with rayon's indexed `par_iter` (which keeps input order), and everything after
//! that is serial. Together with sorted output rows this makes the dataset byte-identical
//! whatever the number of threads. A panic in one file is caught and becomes a `failed` row.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::document::Document;
use crate::extract::{self, Extraction};
use crate::ingest::{self, Format, ReadError};
use crate::knowledge::Knowledge;
use crate::model::{ReportRecord, Status};
use crate::sink::{self, SinkOptions};
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

/// Runs every stage on one file's bytes. Never panics on bad input (a panic is a bug; callers
/// catch it with [`process_caught`]).
pub fn process_bytes(rel_path: &str, bytes: &[u8], k: &Knowledge) -> Processed {
    let format = ingest::sniff_format(Path::new(rel_path), bytes);
    let mut record = ReportRecord::empty(rel_path.to_string(), report_id(bytes), bytes.len() as u64, format.as_str());
    let decoded = match ingest::read_document(format, bytes) {
        Ok(d) => d,
        Err(e) => {
            record.status = match e {
                ReadError::Unsupported(_) => Status::Unsupported,
                ReadError::Unreadable(_) => Status::Unreadable,
            };
            record.reason = Some(e.to_string());
            return Processed { record, doc: None, unmapped: Vec::new() };
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
        return Processed { record, doc: Some(doc), unmapped: Vec::new() };
    }
    let Extraction { template, facts, mut checks, notes, unmapped } = extraction;
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
        record.status = if decoded_is_partial(&reasons, &record) { Status::Partial } else { Status::Ok };
        record.reason = Some(reasons.join("; "));
    }
    Processed { record, doc: Some(doc), unmapped }
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
            let mut record = ReportRecord::empty(rel_path.to_string(), report_id(bytes), bytes.len() as u64, format.as_str());
            record.status = Status::Failed;
            record.reason = Some(format!("internal error (please report): {msg}"));
            Processed { record, doc: None, unmapped: Vec::new() }
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
        let name = corpus.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let bytes = corpus.metadata().map(|m| m.len()).unwrap_or(0);
        return vec![Entry { path: corpus.to_path_buf(), rel: name, bytes, problem: None }];
    }
    for item in walkdir::WalkDir::new(corpus).follow_links(false).sort_by_file_name() {
        match item {
            Ok(e) => {
                let rel = relative(corpus, e.path());
                if e.file_type().is_dir() {
                    continue;
                }
                if e.file_type().is_symlink() {
                    match std::fs::metadata(e.path()) {
                        Ok(m) if m.is_file() => {
                            out.push(Entry { path: e.path().to_path_buf(), rel, bytes: m.len(), problem: None })
                        }
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
                out.push(Entry { path: e.path().to_path_buf(), rel, bytes, problem: None });
            }
            Err(err) => {
                if let Some(p) = err.path() {
                    if p.is_dir() {
                        continue;
                    }
                    out.push(Entry { path: p.to_path_buf(), rel: relative(corpus, p), bytes: 0, problem: Some(err.to_string()) });
                }
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Reads and processes one walked entry.
pub fn process_entry(entry: &Entry, k: &Knowledge, max_bytes: u64) -> Processed {
    let unreadable = |status: Status, reason: String, bytes: u64| {
        let mut record = ReportRecord::empty(entry.rel.clone(), report_id(b""), bytes, Format::Other.as_str());
        record.status = status;
        record.reason = Some(reason);
        Processed { record, doc: None, unmapped: Vec::new() }
    };
    if let Some(p) = &entry.problem {
        return unreadable(Status::Unreadable, p.clone(), 0);
    }
    if entry.bytes > max_bytes {
        let mut p = unreadable(
            Status::Unsupported,
            format!("file too large: {} bytes over the {} byte limit", entry.bytes, max_bytes),
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

/// Marks repeated content: byte-identical files (same report_id) after the first, and the
/// same report (same agency and year) published twice, keeping the stronger copy (more facts,
/// fewer failed checks, then the first path).
pub fn mark_duplicates(records: &mut [ReportRecord]) {
    let mut first_by_id: HashMap<String, usize> = HashMap::new();
    for i in 0..records.len() {
        if records[i].bytes == 0 || matches!(records[i].status, Status::Unreadable) {
            continue;
        }
        match first_by_id.get(&records[i].report_id) {
            Some(&f) => {
                let of = records[f].source_path.clone();
                let r = &mut records[i];
                r.status = Status::Duplicate;
                r.reason = Some(format!("byte-identical to {of}"));
                r.duplicate_of = Some(r.report_id.clone());
            }
            None => {
                first_by_id.insert(records[i].report_id.clone(), i);
            }
        }
    }
    let mut groups: BTreeMap<(String, i16), Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        if let (true, Some(a), Some(y)) = (sink::contributes(r) && !r.facts.is_empty(), &r.identity.agency, r.identity.year) {
            groups.entry((a.clone(), y)).or_default().push(i);
        }
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        let best = *members
            .iter()
            .min_by_key(|&&i| (std::cmp::Reverse(records[i].facts.len()), records[i].checks_failed(), i))
            .unwrap_or(&members[0]);
        let (best_id, best_path) = (records[best].report_id.clone(), records[best].source_path.clone());
        for &i in members.iter().filter(|&&i| i != best) {
            let r = &mut records[i];
            r.status = Status::Duplicate;
            r.reason = Some(format!("same report as {best_path}, which has more facts or fewer failed checks"));
            r.duplicate_of = Some(best_id.clone());
        }
    }
}

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
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Files seen.
    pub files: usize,
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
}

impl std::fmt::Display for RunSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let statuses: Vec<String> = self.by_status.iter().map(|(s, n)| format!("{s} {n}")).collect();
        write!(
            f,
            "{} files ({}); {} facts; {} checks failed; {:.2}s, {:.1} files/s, {:.2} MB/s",
            self.files,
            statuses.join(", "),
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
    /// The thread pool could not be built.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
    /// The dataset could not be written.
    #[error(transparent)]
    Sink(#[from] sink::SinkError),
}

/// Processes a corpus and writes the dataset.
pub fn run(opts: &RunOptions, k: &Knowledge) -> Result<RunSummary, RunError> {
    let start = Instant::now();
    if !opts.corpus.exists() {
        return Err(RunError::NoCorpus(opts.corpus.clone()));
    }
    let entries = walk(&opts.corpus);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.unwrap_or(0))
        .build()
        .map_err(|e| RunError::Threads(e.to_string()))?;
    let bar = progress_bar(entries.len() as u64, opts.quiet);
    let mut records: Vec<ReportRecord> = pool.install(|| {
        entries
            .par_iter()
            .map(|e| {
                let p = process_entry(e, k, opts.max_file_bytes);
                bar.inc(1);
                p.record
            })
            .collect()
    });
    bar.finish_and_clear();
    mark_duplicates(&mut records);
    let sink_opts = SinkOptions::new(env!("CARGO_PKG_VERSION"), k.version());
    let written = sink::write_dataset(&opts.out, &records, &sink_opts)?;
    let mut summary = RunSummary {
        files: records.len(),
        facts: written.facts,
        bytes: entries.iter().map(|e| e.bytes.min(opts.max_file_bytes)).sum(),
        ..RunSummary::default()
    };
    for r in &records {
        *summary.by_status.entry(r.status).or_default() += 1;
        if sink::contributes(r) {
            summary.checks_failed += r.checks_failed();
        }
    }
    summary.elapsed = start.elapsed();
    Ok(summary)
}

fn progress_bar(len: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {per_sec} eta {eta}") {
        bar.set_style(style);
    }
    bar
}
