//! Collating the run's record file into the row order of each table.
//!
//! `schema.md` sorts facts by agency, year, indicator, report_id and checks by report_id,
//! check. Within one report the leading keys are constant, so the order of a table is the
//! order of its *files* by those leading keys, and within each group of files sharing them
//! (usually one file) the order of their rows. Files are therefore sorted (a few bytes each,
//! from the in-memory [`Summaries`]), their records read back at their [`RecordAt`] in
//! parallel windows, and only a group of several files is sorted as a whole. A group too large
//! for memory (say every report whose agency is unknown, in one year) is sorted in runs that
//! are spilled and merged, so memory stays bounded whatever the corpus.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;

use super::{CompactId, DuplicateMark, RunError, Summaries};
use crate::incremental::{RecordAt, RecordStore};
use crate::model::{Check, ReportRecord};
use crate::panel::PanelRules;
use crate::sink::{CheckRow, FactRow, PanelRow, RecordColumns, ReportRow, TableRow, TableWriter};
use crate::spill::{
    Dec, Names, Parts, RunRow, SpillError, WorkDir, decode_fact_rows, decode_fact_values,
    decode_record_parts, merge_runs, write_run,
};

thread_local! {
    /// Indicator ids and units, shared by the rows each worker thread decodes.
    static NAMES: std::cell::RefCell<Names> = std::cell::RefCell::default();
    /// The record being decoded, read into one buffer per worker thread.
    static RECORD: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::default();
}

/// Files whose records are read in parallel at a time.
const WINDOW_FILES: usize = 256;

/// Rows handed from a collating thread to an encoding thread at a time.
const HANDOFF_ROWS: usize = 4096;

/// Default number of rows of one sort group held in memory before they are spilled.
pub const DEFAULT_GROUP_ROWS: usize = 256 * 1024;

/// What the table writers read: the record file, the summaries and marks of the run, the
/// checks across years, and where to spill.
pub struct Collator<'a> {
    /// The run's record file.
    pub store: &'a RecordStore,
    /// One summary per file, in walk order.
    pub files: &'a Summaries,
    /// Duplicate marks, per file.
    pub marks: &'a [Option<DuplicateMark>],
    /// Checks across years, by file.
    pub years: &'a BTreeMap<u32, Vec<Check>>,
    /// Where large groups spill.
    pub work: &'a WorkDir,
    /// The worker threads.
    pub pool: &'a std::sync::Arc<rayon::ThreadPool>,
    /// Rows of one group held in memory before spilling.
    pub group_rows: usize,
}

impl Collator<'_> {
    /// True when file `i`'s facts and checks go into the dataset.
    fn kept(&self, i: usize) -> bool {
        let f = &self.files.files[i];
        matches!(
            f.status,
            crate::model::Status::Ok | crate::model::Status::Partial
        ) && self.marks.get(i).is_none_or(|m| m.is_none())
    }

    fn read(&self, file: u32, parts: Parts) -> Result<ReportRecord, RunError> {
        RECORD.with_borrow_mut(|raw| {
            self.store
                .read_into(self.files.files[file as usize].at, raw)?;
            decode_record_parts(&mut Dec::new(raw.as_slice()), parts)
                .map_err(|source| self.corrupt(source))
        })
    }

    /// File `file`'s panel row, computed from its facts' indicators and values as they
    /// lie in the record file (no fact is decoded into strings of its own).
    fn panel_row(
        &self,
        file: u32,
        rules: &PanelRules,
        checks_failed: usize,
    ) -> Result<PanelRow, RunError> {
        RECORD.with_borrow_mut(|raw| {
            self.store
                .read_into(self.files.files[file as usize].at, raw)?;
            let (head, facts) = decode_fact_values(raw).map_err(|source| self.corrupt(source))?;
            Ok(PanelRow::of_values(
                &head,
                facts,
                rules,
                checks_failed,
                file,
            ))
        })
    }

    fn corrupt(&self, source: std::io::Error) -> RunError {
        RunError::Spill(SpillError {
            path: self.store.path().to_path_buf(),
            source,
        })
    }

    /// Writes facts.parquet: files by (agency, year), then each group's rows.
    pub fn facts(&self, writer: &mut TableWriter<FactRow>) -> Result<(), RunError> {
        let ranks = self.files.agency_ranks();
        let key = |i: u32| {
            let f = &self.files.files[i as usize];
            (f.agency.map(|a| ranks[a as usize]), f.year)
        };
        let mut order: Vec<u32> = (0..self.files.len() as u32)
            .filter(|&i| self.kept(i as usize) && self.files.files[i as usize].facts > 0)
            .collect();
        order.sort_unstable_by_key(|&i| (key(i), i));
        let rows_of = |file: u32| -> Result<Vec<FactRow>, RunError> {
            // Records store their facts in indicator order (`encode_record`): the rows come
            // out sorted.
            let rows = RECORD.with_borrow_mut(|raw| {
                self.store
                    .read_into(self.files.files[file as usize].at, raw)?;
                decode_fact_rows(raw, file).map_err(|source| self.corrupt(source))
            })?;
            debug_assert!(rows.is_sorted_by(|a, b| a.cmp_within_report(b).is_le()));
            Ok(rows)
        };
        to_writer(writer, |emit| {
            self.collate(&order, key, rows_of, "facts", emit)
        })
    }

    /// Writes checks.parquet: files by report_id, then each group's rows; a file's checks
    /// across years follow its own checks.
    pub fn checks(&self, writer: &mut TableWriter<CheckRow>) -> Result<(), RunError> {
        let key = |i: u32| self.files.files[i as usize].report_id.clone();
        let mut order: Vec<u32> = (0..self.files.len() as u32)
            .filter(|&i| self.kept(i as usize))
            .collect();
        order.sort_by(|&a, &b| key(a).cmp(&key(b)).then(a.cmp(&b)));
        let rows_of = |file: u32| -> Result<Vec<CheckRow>, RunError> {
            let r = self.read(file, Parts::CHECKS)?;
            let columns = RecordColumns::of(&r);
            // After the file's own checks, whatever their number, its checks across years.
            let across = self.years.get(&file).into_iter().flatten();
            let numbered = r
                .checks
                .iter()
                .enumerate()
                .map(|(n, c)| (n as u32, c))
                .chain(
                    across
                        .enumerate()
                        .map(|(n, c)| (u32::MAX / 2 + n as u32, c)),
                );
            let mut rows: Vec<CheckRow> = NAMES.with_borrow_mut(|names| {
                numbered
                    .map(|(seq, c)| CheckRow::with(&columns, names.intern(&c.check), c, file, seq))
                    .collect()
            });
            rows.sort_unstable_by(CheckRow::sort_cmp);
            Ok(rows)
        };
        to_writer(writer, |emit| {
            self.collate(&order, key, rows_of, "checks", emit)
        })
    }

    /// Writes panel.parquet: one row per file whose facts are in facts.parquet, by agency,
    /// year and report_id, its measures computed from its facts by `rules`. Its failed
    /// checks count those across years, as in reports.parquet.
    pub fn panel(
        &self,
        writer: &mut TableWriter<PanelRow>,
        rules: &PanelRules,
    ) -> Result<(), RunError> {
        let ranks = self.files.agency_ranks();
        let key = |i: u32| {
            let f = &self.files.files[i as usize];
            (f.agency.map(|a| ranks[a as usize]), f.year, &f.report_id)
        };
        let mut order: Vec<u32> = (0..self.files.len() as u32)
            .filter(|&i| self.kept(i as usize) && self.files.files[i as usize].facts > 0)
            .collect();
        order.sort_by(|&a, &b| key(a).cmp(&key(b)).then(a.cmp(&b)));
        for window in order.chunks(WINDOW_FILES) {
            let rows: Vec<Result<PanelRow, RunError>> = self.pool.install(|| {
                window
                    .par_iter()
                    .map(|&file| {
                        let across = self
                            .years
                            .get(&file)
                            .map_or(0, |checks| checks.iter().filter(|c| !c.ok).count());
                        let failed = self.files.files[file as usize].checks_failed as usize;
                        self.panel_row(file, rules, failed + across)
                    })
                    .collect()
            });
            let rows: Vec<PanelRow> = rows.into_iter().collect::<Result<_, _>>()?;
            writer.push_pieces([rows])?;
        }
        Ok(())
    }

    /// Writes reports.parquet: every file in walk order (which is source_path order), with
    /// its duplicate mark, its counts from the summary and the failed checks across years.
    /// The records of a window of files are consecutive in the record file (it is in walk
    /// order too) and are read at once.
    pub fn reports(&self, writer: &mut TableWriter<ReportRow>) -> Result<(), RunError> {
        let all: Vec<u32> = (0..self.files.len() as u32).collect();
        for window in all.chunks(WINDOW_FILES) {
            let ats: Vec<RecordAt> = window
                .iter()
                .map(|&f| self.files.files[f as usize].at)
                .collect();
            let read = self.store.read_many(&ats)?;
            let record = |n: usize, file: u32| match &read {
                Some((bytes, ranges)) => {
                    decode_record_parts(&mut Dec::new(&bytes[ranges[n].clone()]), Parts::HEAD)
                        .map_err(|source| self.corrupt(source))
                }
                None => self.read(file, Parts::HEAD),
            };
            let rows: Vec<Result<ReportRow, RunError>> = self.pool.install(|| {
                window
                    .par_iter()
                    .enumerate()
                    .map(|(n, &file)| {
                        let mut r = record(n, file)?;
                        if let Some(Some(m)) = self.marks.get(file as usize) {
                            super::apply_mark(&mut r, m);
                        }
                        let summary = &self.files.files[file as usize];
                        let across = self
                            .years
                            .get(&file)
                            .map_or(0, |checks| checks.iter().filter(|c| !c.ok).count());
                        Ok(ReportRow::with_counts(
                            &r,
                            summary.facts as usize,
                            summary.checks_failed as usize + across,
                        ))
                    })
                    .collect()
            });
            let rows: Vec<ReportRow> = rows.into_iter().collect::<Result<_, _>>()?;
            writer.push_pieces([rows])?;
        }
        Ok(())
    }

    /// Hands the rows of the files in `order` to `emit` in table order: `order` sorts the
    /// files by `key`, `rows_of` gives a file's rows sorted, and each run of files with equal
    /// keys is merged.
    fn collate<T, K>(
        &self,
        order: &[u32],
        key: impl Fn(u32) -> K,
        rows_of: impl Fn(u32) -> Result<Vec<T>, RunError> + Sync,
        stem: &str,
        emit: &mut dyn FnMut(Vec<T>) -> Result<(), RunError>,
    ) -> Result<(), RunError>
    where
        T: RunRow + Send,
        K: PartialEq,
    {
        let mut group = Group::new(stem, self.group_rows);
        let mut current: Option<K> = None;
        for window in order.chunks(WINDOW_FILES) {
            let rows: Vec<Result<Vec<T>, RunError>> = self
                .pool
                .install(|| window.par_iter().map(|&f| rows_of(f)).collect());
            for (&file, rows) in window.iter().zip(rows) {
                let k = key(file);
                if current.as_ref() != Some(&k) {
                    group.flush(self.work, emit)?;
                    current = Some(k);
                }
                group.add(rows?, self.work)?;
            }
        }
        group.flush(self.work, emit)
    }
}

/// The rows of one group of files with equal leading keys, sorted runs spilled beyond
/// `limit` rows.
struct Group<T> {
    stem: String,
    limit: usize,
    files: usize,
    rows: Vec<T>,
    runs: Vec<PathBuf>,
}

impl<T: RunRow> Group<T> {
    fn new(stem: &str, limit: usize) -> Group<T> {
        Group {
            stem: stem.to_string(),
            limit: limit.max(1),
            files: 0,
            rows: Vec::new(),
            runs: Vec::new(),
        }
    }

    /// Adds one file's rows (sorted).
    fn add(&mut self, rows: Vec<T>, work: &WorkDir) -> Result<(), RunError> {
        if self.rows.is_empty() {
            self.rows = rows;
        } else {
            self.rows.extend(rows);
        }
        self.files += 1;
        if self.rows.len() > self.limit {
            self.spill(work)?;
        }
        Ok(())
    }

    fn spill(&mut self, work: &WorkDir) -> Result<(), RunError> {
        let path = work.next_file(&self.stem);
        write_run(&path, std::mem::take(&mut self.rows))?;
        self.runs.push(path);
        Ok(())
    }

    /// Emits the group in order, in pieces, and empties it.
    fn flush(
        &mut self,
        work: &WorkDir,
        emit: &mut dyn FnMut(Vec<T>) -> Result<(), RunError>,
    ) -> Result<(), RunError> {
        if !self.runs.is_empty() {
            if !self.rows.is_empty() {
                self.spill(work)?;
            }
            let mut piece = Vec::with_capacity(HANDOFF_ROWS);
            merge_runs(work, std::mem::take(&mut self.runs), &self.stem, |row| {
                piece.push(row);
                if piece.len() == HANDOFF_ROWS {
                    emit(std::mem::replace(
                        &mut piece,
                        Vec::with_capacity(HANDOFF_ROWS),
                    ))?;
                }
                Ok::<(), RunError>(())
            })?;
            emit(piece)?;
        } else {
            if self.files > 1 {
                self.rows.sort_unstable_by(T::order);
            }
            emit(std::mem::take(&mut self.rows))?;
        }
        self.files = 0;
        Ok(())
    }
}

/// Runs `produce` on a second thread, which hands rows to its `emit` argument in table
/// order (in pieces of any size), while this thread encodes them into `writer`.
fn to_writer<T, P>(writer: &mut TableWriter<T>, produce: P) -> Result<(), RunError>
where
    T: TableRow + Send,
    P: FnOnce(&mut dyn FnMut(Vec<T>) -> Result<(), RunError>) -> Result<(), RunError> + Send,
{
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<T>>>(2);
        let producer = scope.spawn(move || {
            let (mut batch, mut rows) = (Vec::new(), 0);
            let mut emit = |piece: Vec<T>| {
                rows += piece.len();
                batch.push(piece);
                if rows >= HANDOFF_ROWS {
                    rows = 0;
                    // A closed channel means the writer failed; its error is reported.
                    let _ = tx.send(std::mem::take(&mut batch));
                }
                Ok(())
            };
            produce(&mut emit)?;
            let _ = tx.send(batch);
            Ok::<(), RunError>(())
        });
        let mut written: Result<(), RunError> = Ok(());
        for batch in rx {
            if let Err(e) = writer.push_pieces(batch) {
                written = Err(e.into());
                break;
            }
        }
        let produced = producer
            .join()
            .unwrap_or_else(|_| Err(RunError::Threads("collating thread panicked".to_string())));
        written?;
        produced
    })
}

impl PartialOrd for CompactId {
    fn partial_cmp(&self, other: &CompactId) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CompactId {
    /// The order of the ids as strings (16 lowercase hex digits compare like their values).
    fn cmp(&self, other: &CompactId) -> std::cmp::Ordering {
        match (self, other) {
            (CompactId::Hex(a), CompactId::Hex(b)) => a.cmp(b),
            _ => self.to_string().cmp(&other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Fact, Method};

    /// Three files of one group, each sorted on its own, come out in table order whether the
    /// group stays in memory or spills.
    #[test]
    fn a_group_of_files_is_merged_in_memory_or_through_runs() {
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::create(dir.path(), "").unwrap();
        let mut r = ReportRecord::empty("a.txt".into(), "0000000000000001".into(), 1, "txt");
        let fact = |indicator: &str| Fact {
            indicator: indicator.into(),
            value: Some(1.0),
            value_raw: "1".into(),
            unit: "件".into(),
            method: Method::Table,
            line: 1,
        };
        let files: Vec<Vec<FactRow>> = (0..3u32)
            .map(|file| {
                r.report_id = format!("000000000000000{}", 3 - file);
                r.facts = ["b", "d", "a", "c"]
                    .iter()
                    .skip(file as usize)
                    .map(|i| fact(i))
                    .collect();
                let mut rows = FactRow::rows_of(&r, file);
                rows.sort_by(FactRow::sort_cmp);
                rows
            })
            .collect();
        let mut expected: Vec<FactRow> = files.iter().flatten().cloned().collect();
        expected.sort_by(FactRow::sort_cmp);
        for limit in [1000, 2] {
            let mut group = Group::new("facts", limit);
            for rows in &files {
                group.add(rows.clone(), &work).unwrap();
            }
            let mut got = Vec::new();
            group
                .flush(&work, &mut |piece| {
                    got.extend(piece);
                    Ok(())
                })
                .unwrap();
            assert_eq!(got, expected, "limit {limit}");
            assert!(group.rows.is_empty() && group.runs.is_empty());
        }
    }

    #[test]
    fn compact_ids_sort_as_their_strings() {
        let ids = [
            "00000000000000ff",
            "0000000000000100",
            "zz",
            "0a",
            "ffffffffffffffff",
        ];
        let mut compact: Vec<CompactId> = ids.iter().map(|s| CompactId::new(s)).collect();
        compact.sort();
        let mut strings = ids.to_vec();
        strings.sort();
        let back: Vec<String> = compact.iter().map(|c| c.to_string()).collect();
        assert_eq!(back, strings);
    }
}
