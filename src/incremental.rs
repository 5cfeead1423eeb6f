//! Incremental nightly runs: the per-file results of the last run, kept in
//! `OUT/.xxgk-cache/records{-K-of-N}.bin`, so that a re-run parses only new or changed files.
//!
//! The cache holds every file's record *before* duplicate marking (a duplicate's facts are
//! needed again if its original disappears), in walk order, so a run reads it as one stream
//! next to the walk (a merge join on the path) and memory stays flat. The same file is the
//! run's record store: the table writers read records back from it at their
//! [`RecordAt`] in the order of each table.
//!
//! A record is reused when its path is unchanged and either its [`FileStamp`] (size, mtime,
//! ctime, inode, device) is unchanged and older than the run that recorded it, so the file
//! need not even be read (git's index works the same way), or its content hash (`report_id`)
//! is unchanged. The header stamps the xxgk version and
//! [`Knowledge::version`](crate::knowledge::Knowledge::version): a new binary or changed rules
//! silently invalidate the cache, and any unreadable cache only means a full run.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::model::ReportRecord;
use crate::spill::{Dec, Enc, SpillError, encode_record};

const MAGIC: &str = "xxgk-records-v6";

/// Directory of the cache inside the output directory.
pub const CACHE_DIR: &str = ".xxgk-cache";

/// What produced a set of records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// `CARGO_PKG_VERSION` of the binary.
    pub version: String,
    /// Hash of the embedded rules and data.
    pub knowledge: String,
}

/// What `stat` says of a file. Any write changes the ctime (which, unlike the mtime, no tool
/// can set back), so an equal stamp means the content is the one seen before, provided the
/// file was not written within the clock's resolution of that look (see
/// [`FileStamp::settled_before`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// Status-change time, nanoseconds since the epoch.
    pub ctime_ns: i64,
    /// Inode number.
    pub ino: u64,
    /// Device number.
    pub dev: u64,
}

impl FileStamp {
    /// The stamp of a file's metadata; `None` where the platform has no ctime and inode.
    #[cfg(unix)]
    pub fn of(m: &fs::Metadata) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        Some(FileStamp {
            size: m.size(),
            mtime_ns: m.mtime().saturating_mul(1_000_000_000) + m.mtime_nsec(),
            ctime_ns: m.ctime().saturating_mul(1_000_000_000) + m.ctime_nsec(),
            ino: m.ino(),
            dev: m.dev(),
        })
    }

    /// The stamp of a file's metadata; `None` where the platform has no ctime and inode.
    #[cfg(not(unix))]
    pub fn of(_: &fs::Metadata) -> Option<FileStamp> {
        None
    }

    /// True when the file was last written more than a second before `started_ns` (when the
    /// run that recorded this stamp began): a later write would then have moved the ctime.
    /// A file written during that run, or in the same clock tick, is read and hashed again.
    pub fn settled_before(&self, started_ns: i64) -> bool {
        const MARGIN_NS: i64 = 1_000_000_000;
        self.ctime_ns.max(self.mtime_ns) < started_ns.saturating_sub(MARGIN_NS)
    }

    fn encode<W: Write>(s: Option<&FileStamp>, e: &mut Enc<W>) -> std::io::Result<()> {
        match s {
            None => e.u8(0),
            Some(s) => {
                e.u8(1)?;
                e.u64(s.size)?;
                e.u64(s.mtime_ns as u64)?;
                e.u64(s.ctime_ns as u64)?;
                e.u64(s.ino)?;
                e.u64(s.dev)
            }
        }
    }

    fn decode<R: std::io::Read>(d: &mut Dec<R>) -> std::io::Result<Option<FileStamp>> {
        if d.u8()? == 0 {
            return Ok(None);
        }
        Ok(Some(FileStamp {
            size: d.u64()?,
            mtime_ns: d.u64()? as i64,
            ctime_ns: d.u64()? as i64,
            ino: d.u64()?,
            dev: d.u64()?,
        }))
    }
}

/// Nanoseconds since the epoch, now.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Where a record's encoding lies in a record file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordAt {
    /// Byte offset of the encoding.
    pub offset: u64,
    /// Its length.
    pub len: u32,
}

/// The cache file of a shard (suffix empty for an unsharded run).
pub fn cache_path(out: &Path, suffix: &str) -> PathBuf {
    out.join(CACHE_DIR).join(format!("records{suffix}.bin"))
}

/// Writes records in walk order; the file is the new cache once published.
pub struct RecordWriter {
    path: PathBuf,
    enc: Enc<BufWriter<File>>,
    buf: Vec<u8>,
    /// Bytes written so far.
    pos: u64,
}

impl RecordWriter {
    /// Starts a record file with the stamp and the run's start time in its header.
    pub fn create(path: &Path, stamp: &Stamp, started_ns: i64) -> Result<RecordWriter, SpillError> {
        let err = |source| SpillError {
            path: path.to_path_buf(),
            source,
        };
        let file = File::create(path).map_err(err)?;
        let mut header = Vec::new();
        let mut h = Enc(&mut header);
        h.str(MAGIC).map_err(err)?;
        h.str(&stamp.version).map_err(err)?;
        h.str(&stamp.knowledge).map_err(err)?;
        h.u64(started_ns as u64).map_err(err)?;
        let mut enc = Enc(BufWriter::with_capacity(256 * 1024, file));
        enc.0.write_all(&header).map_err(err)?;
        Ok(RecordWriter {
            path: path.to_path_buf(),
            enc,
            buf: Vec::new(),
            pos: header.len() as u64,
        })
    }

    /// Appends one record; returns where its encoding lies.
    pub fn append(
        &mut self,
        r: &ReportRecord,
        file: Option<&FileStamp>,
    ) -> Result<RecordAt, SpillError> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let encoded = encode_record(&mut Enc(&mut buf), r);
        let written = encoded
            .map_err(|source| SpillError {
                path: self.path.clone(),
                source,
            })
            .and_then(|_| self.append_raw(&buf, file));
        self.buf = buf;
        written
    }

    /// Appends one record as encoded by [`encode_record`] (e.g. taken unchanged from the
    /// previous run's cache); returns where the encoding lies. Each record is framed as a `1`
    /// byte, the file's stamp and a u32 length.
    pub fn append_raw(
        &mut self,
        encoded: &[u8],
        file: Option<&FileStamp>,
    ) -> Result<RecordAt, SpillError> {
        let err = |source| SpillError {
            path: self.path.clone(),
            source,
        };
        let mut frame = Vec::with_capacity(48);
        let mut f = Enc(&mut frame);
        f.u8(1).map_err(err)?;
        FileStamp::encode(file, &mut f).map_err(err)?;
        f.u32(encoded.len() as u32).map_err(err)?;
        self.enc.0.write_all(&frame).map_err(err)?;
        self.enc.0.write_all(encoded).map_err(err)?;
        let at = RecordAt {
            offset: self.pos + frame.len() as u64,
            len: encoded.len() as u32,
        };
        self.pos = at.offset + encoded.len() as u64;
        Ok(at)
    }

    /// Writes the end marker and flushes; returns the path.
    pub fn finish(mut self) -> Result<PathBuf, SpillError> {
        let err = |source| SpillError {
            path: self.path.clone(),
            source,
        };
        self.enc.u8(0).map_err(err)?;
        self.enc.0.flush().map_err(err)?;
        self.enc.0.get_ref().sync_all().map_err(err)?;
        Ok(self.path)
    }
}

/// One record as read from a record file, still encoded.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// The encoding of [`encode_record`].
    pub encoded: Vec<u8>,
    /// The file's stamp when it was recorded.
    pub file: Option<FileStamp>,
    /// When the run that recorded it began (see [`FileStamp::settled_before`]).
    pub run_started_ns: i64,
}

/// Reads a record file in walk order.
pub struct RecordReader {
    path: PathBuf,
    dec: Dec<BufReader<File>>,
    done: bool,
    started_ns: i64,
}

impl RecordReader {
    /// Opens a record file, checking its header against `stamp`. `Ok(None)`: the file was
    /// written by another version.
    pub fn open(path: &Path, stamp: &Stamp) -> Result<Option<RecordReader>, SpillError> {
        let err = |source| SpillError {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(err)?;
        let mut dec = Dec::new(BufReader::with_capacity(256 * 1024, file));
        let header = (|| -> std::io::Result<(String, String, String)> {
            Ok((dec.str()?, dec.str()?, dec.str()?))
        })();
        match header {
            Ok((magic, version, knowledge))
                if magic == MAGIC && version == stamp.version && knowledge == stamp.knowledge =>
            {
                let started_ns = dec.u64().map_err(err)? as i64;
                Ok(Some(RecordReader {
                    path: path.to_path_buf(),
                    dec,
                    done: false,
                    started_ns,
                }))
            }
            Ok(_) => Ok(None),
            Err(e) => Err(err(e)),
        }
    }

    /// When the run that wrote the file began (nanoseconds since the epoch).
    pub fn started_ns(&self) -> i64 {
        self.started_ns
    }

    /// The next record still encoded, `None` at the end.
    pub fn next_raw(&mut self) -> Result<Option<RawRecord>, SpillError> {
        if self.done {
            return Ok(None);
        }
        let err = |source| SpillError {
            path: self.path.clone(),
            source,
        };
        match self.dec.u8().map_err(err)? {
            0 => {
                self.done = true;
                Ok(None)
            }
            1 => {
                let file = FileStamp::decode(&mut self.dec).map_err(err)?;
                let len = self.dec.u32().map_err(err)? as usize;
                let encoded = self.dec.bytes(len).map_err(err)?;
                Ok(Some(RawRecord {
                    encoded,
                    file,
                    run_started_ns: self.started_ns,
                }))
            }
            _ => Err(err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "bad record tag",
            ))),
        }
    }
}

/// Records read at once: the bytes they span, and each record's range in them.
pub type Records = (Vec<u8>, Vec<std::ops::Range<usize>>);

/// Random access to the records of a finished record file, by [`RecordAt`], from any thread.
pub struct RecordStore {
    path: PathBuf,
    file: File,
}

impl RecordStore {
    /// Opens a record file for reading at offsets.
    pub fn open(path: &Path) -> Result<RecordStore, SpillError> {
        let file = File::open(path).map_err(|source| SpillError {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(RecordStore {
            path: path.to_path_buf(),
            file,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The encoding of the record at `at`.
    pub fn read(&self, at: RecordAt) -> Result<Vec<u8>, SpillError> {
        let mut buf = Vec::new();
        self.read_into(at, &mut buf)?;
        Ok(buf)
    }

    /// The encoding of the record at `at`, into `buf` (whose allocation a reader of many
    /// records reuses).
    pub fn read_into(&self, at: RecordAt, buf: &mut Vec<u8>) -> Result<(), SpillError> {
        self.read_span(at.offset, at.len as usize, buf)
    }

    /// The records at `ats`, in one read when they lie in ascending order close together (as
    /// those of consecutive files do: the record file is in walk order): the bytes they span
    /// and each record's range in them. `None` when they do not, or span too much.
    pub fn read_many(&self, ats: &[RecordAt]) -> Result<Option<Records>, SpillError> {
        /// Most bytes one read may span (a window of a few hundred records is ~1 MB).
        const MAX_SPAN: u64 = 64 << 20;
        let (Some(first), Some(last)) = (ats.first(), ats.last()) else {
            return Ok(Some((Vec::new(), Vec::new())));
        };
        let ascending = ats
            .windows(2)
            .all(|w| w[0].offset + u64::from(w[0].len) <= w[1].offset);
        let end = last.offset + u64::from(last.len);
        if !ascending || end - first.offset > MAX_SPAN {
            return Ok(None);
        }
        let mut buf = Vec::new();
        self.read_span(first.offset, (end - first.offset) as usize, &mut buf)?;
        let ranges = ats
            .iter()
            .map(|at| {
                let start = (at.offset - first.offset) as usize;
                start..start + at.len as usize
            })
            .collect();
        Ok(Some((buf, ranges)))
    }

    fn read_span(&self, offset: u64, len: usize, buf: &mut Vec<u8>) -> Result<(), SpillError> {
        buf.resize(len, 0);
        read_exact_at(&self.file, buf, offset).map_err(|source| SpillError {
            path: self.path.clone(),
            source,
        })
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// The source_path an encoded record starts with (see [`encode_record`]), without decoding.
fn encoded_path(raw: &[u8]) -> &[u8] {
    let Some(len) = raw
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    else {
        return &[];
    };
    raw.get(4..4 + len).unwrap_or(&[])
}

/// The previous run's records, consumed alongside the walk.
pub struct Cache {
    /// The record files read, each in walk order, with the record read ahead of each.
    sources: Vec<(RecordReader, Option<RawRecord>)>,
}

impl Cache {
    /// Opens the cache of a shard; `None` (a full run) when there is none, it was written by
    /// another version, or it cannot be read.
    pub fn open(out: &Path, suffix: &str, stamp: &Stamp) -> Option<Cache> {
        let path = cache_path(out, suffix);
        if !path.is_file() {
            return None;
        }
        Some(Cache {
            sources: vec![(open_source(&path, stamp)?, None)],
        })
    }

    /// Opens the caches of every shard run into `dir` (`records-K-of-N.bin`), to be read as
    /// one: a whole-corpus run over them reuses each file's record from the shard that
    /// parsed it. `None` when there is no usable shard cache.
    pub fn open_shards(dir: &Path, stamp: &Stamp) -> Option<Cache> {
        let mut paths: Vec<PathBuf> = fs::read_dir(dir.join(CACHE_DIR))
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_shard_cache_name)
            })
            .collect();
        paths.sort();
        let sources: Vec<(RecordReader, Option<RawRecord>)> = paths
            .iter()
            .filter_map(|p| open_source(p, stamp))
            .map(|r| (r, None))
            .collect();
        if sources.is_empty() {
            eprintln!(
                "xxgk: no shard cache of this version in {}; full run",
                dir.join(CACHE_DIR).display()
            );
            return None;
        }
        Some(Cache { sources })
    }

    /// The cached record of `rel_path`, if any, still encoded (decode it with
    /// [`crate::spill::skim_record`], in parallel). Paths must be asked for in walk order
    /// (ascending); records of paths skipped over are dropped. A read error ends that record
    /// file (the remaining files are simply parsed again). Of several record files holding
    /// the path, the first (in file name order) gives it.
    pub fn take(&mut self, rel_path: &str) -> Option<RawRecord> {
        let mut found = None;
        for (reader, pending) in &mut self.sources {
            let here = take_from(reader, pending, rel_path);
            if found.is_none() {
                found = here;
            }
        }
        found
    }
}

/// A record file opened as a cache source; `None`, with a message, when it is of another
/// version or unreadable.
fn open_source(path: &Path, stamp: &Stamp) -> Option<RecordReader> {
    match RecordReader::open(path, stamp) {
        Ok(Some(reader)) => Some(reader),
        Ok(None) => {
            eprintln!(
                "xxgk: cache {} was written by another version or other rules; full run",
                path.display()
            );
            None
        }
        Err(e) => {
            eprintln!("xxgk: ignoring unreadable cache: {e}");
            None
        }
    }
}

/// Removes the caches another sharding of the corpus left in `out` (`records-K-of-M.bin` and
/// `dirs-K-of-M.bin` with M other than this run's N): no shard of this sharding reads them, a
/// merge step would read them for nothing. Nothing is removed by an unsharded run (a shard
/// directory is not meant to hold one, and caches are never wrong, only unused).
pub fn remove_stale_caches(out: &Path, suffix: &str) {
    let Some(ours) = crate::shard::Shard::from_suffix(suffix) else {
        return;
    };
    let Ok(entries) = fs::read_dir(out.join(CACHE_DIR)) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let shard = ["records", "dirs"]
            .iter()
            .find_map(|stem| name.strip_prefix(stem)?.strip_suffix(".bin"))
            .and_then(crate::shard::Shard::from_suffix);
        if shard.is_some_and(|s| s.count != ours.count) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// `records-K-of-N.bin` (see [`cache_path`] and [`Shard::suffix`](crate::shard::Shard::suffix)).
fn is_shard_cache_name(name: &str) -> bool {
    name.strip_prefix("records")
        .and_then(|n| n.strip_suffix(".bin"))
        .and_then(crate::shard::Shard::from_suffix)
        .is_some()
}

/// The merge join of one record file with the walk: the record of `rel_path` if it is next.
fn take_from(
    reader: &mut RecordReader,
    pending: &mut Option<RawRecord>,
    rel_path: &str,
) -> Option<RawRecord> {
    loop {
        if pending.is_none() {
            match reader.next_raw() {
                Ok(Some(r)) => *pending = Some(r),
                Ok(None) => return None,
                Err(e) => {
                    eprintln!("xxgk: cache read stopped: {e}");
                    reader.done = true;
                    return None;
                }
            }
        }
        let here = pending
            .as_ref()
            .map(|r| encoded_path(&r.encoded))
            .unwrap_or_default();
        match here.cmp(rel_path.as_bytes()) {
            std::cmp::Ordering::Less => *pending = None,
            std::cmp::Ordering::Equal => return pending.take(),
            std::cmp::Ordering::Greater => return None,
        }
    }
}

/// Moves a finished record file into place as the shard's cache.
pub fn publish(records: &Path, out: &Path, suffix: &str) -> Result<(), SpillError> {
    let dest = cache_path(out, suffix);
    let dir = out.join(CACHE_DIR);
    fs::create_dir_all(&dir).map_err(|source| SpillError {
        path: dir.clone(),
        source,
    })?;
    if fs::rename(records, &dest).is_err() {
        let tmp = dir.join(format!(".records{suffix}.tmp-{}", std::process::id()));
        let copy = || -> std::io::Result<()> {
            let mut from = File::open(records)?;
            let mut to = File::create(&tmp)?;
            std::io::copy(&mut from, &mut to)?;
            to.sync_all()?;
            fs::rename(&tmp, &dest)
        };
        copy().map_err(|source| SpillError {
            path: dest.clone(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spill::decode_record;

    #[test]
    fn caches_of_another_sharding_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join(CACHE_DIR);
        fs::create_dir_all(&cache).unwrap();
        let names = [
            "records-0-of-4.bin",
            "dirs-0-of-4.bin",
            "records-1-of-3.bin",
            "dirs-2-of-3.bin",
            "records.bin",
            "dirs.bin",
            "records-x-of-3.bin",
            "other-1-of-3.bin",
        ];
        for n in names {
            fs::write(cache.join(n), n).unwrap();
        }
        remove_stale_caches(dir.path(), "");
        assert!(
            names.iter().all(|n| cache.join(n).exists()),
            "unsharded: nothing"
        );
        remove_stale_caches(dir.path(), "-1-of-4");
        let left: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| cache.join(n).exists())
            .collect();
        assert_eq!(
            left,
            [
                "records-0-of-4.bin",
                "dirs-0-of-4.bin",
                "records.bin",
                "dirs.bin",
                "records-x-of-3.bin",
                "other-1-of-3.bin"
            ]
        );
    }

    fn stamp() -> Stamp {
        Stamp {
            version: "1".into(),
            knowledge: "k".into(),
        }
    }

    #[test]
    fn cache_joins_on_path_and_checks_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join("r.bin");
        let mut w = RecordWriter::create(&tmp, &stamp(), 77).unwrap();
        let file = FileStamp {
            size: 1,
            mtime_ns: 5,
            ctime_ns: 6,
            ino: 7,
            dev: 8,
        };
        let mut at = Vec::new();
        for p in ["a", "c", "d"] {
            let r = ReportRecord::empty(p.into(), format!("id-{p}"), 1, "txt");
            at.push(w.append(&r, (p == "a").then_some(&file)).unwrap());
        }
        let path = w.finish().unwrap();
        let store = RecordStore::open(&path).unwrap();
        // Consecutive records in one read, each where a read of its own finds it; out of
        // order, no single read.
        let (bytes, ranges) = store.read_many(&at).unwrap().unwrap();
        for (at, range) in at.iter().zip(ranges) {
            assert_eq!(bytes[range], store.read(*at).unwrap()[..]);
        }
        assert!(store.read_many(&[at[1], at[0]]).unwrap().is_none());
        let c_raw = store.read(at[1]).unwrap();
        assert_eq!(
            decode_record(&mut Dec::new(c_raw.as_slice()))
                .unwrap()
                .report_id,
            "id-c"
        );
        publish(&path, dir.path(), "").unwrap();
        let mut c = Cache::open(dir.path(), "", &stamp()).unwrap();
        assert!(c.take("0").is_none());
        let a = c.take("a").unwrap();
        assert_eq!(a.file, Some(file));
        assert_eq!(a.run_started_ns, 77);
        assert_eq!(
            decode_record(&mut Dec::new(a.encoded.as_slice()))
                .unwrap()
                .report_id,
            "id-a"
        );
        assert!(c.take("b").is_none());
        assert!(c.take("d").is_some_and(|d| d.file.is_none()));
        assert!(c.take("e").is_none());
        let other = Stamp {
            knowledge: "k2".into(),
            ..stamp()
        };
        assert!(Cache::open(dir.path(), "", &other).is_none());
        assert!(Cache::open(dir.path(), "-0-of-2", &stamp()).is_none());
    }

    /// The caches of shard runs read as one, each record with the start of the run that
    /// wrote it; a cache of another version is left out.
    #[test]
    fn shard_caches_join_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let write = |suffix: &str, started: i64, paths: &[&str], stamp: &Stamp| {
            let tmp = dir.path().join(format!("tmp{suffix}"));
            let mut w = RecordWriter::create(&tmp, stamp, started).unwrap();
            for p in paths {
                let r = ReportRecord::empty((*p).into(), format!("id-{p}"), 1, "txt");
                w.append(&r, None).unwrap();
            }
            publish(&w.finish().unwrap(), dir.path(), suffix).unwrap();
        };
        write("-0-of-2", 10, &["a", "c", "e"], &stamp());
        write("-1-of-2", 20, &["b", "d"], &stamp());
        let other = Stamp {
            version: "0.0.0".into(),
            ..stamp()
        };
        write("-0-of-3", 30, &["a", "b", "f"], &other);
        write("", 40, &["a", "b", "c", "d", "e", "f"], &stamp());
        let mut c = Cache::open_shards(dir.path(), &stamp()).unwrap();
        let got: Vec<(&str, Option<i64>)> = ["0", "a", "b", "c", "cc", "d", "e", "f"]
            .into_iter()
            .map(|p| (p, c.take(p).map(|r| r.run_started_ns)))
            .collect();
        assert_eq!(
            got,
            [
                ("0", None),
                ("a", Some(10)),
                ("b", Some(20)),
                ("c", Some(10)),
                ("cc", None),
                ("d", Some(20)),
                ("e", Some(10)),
                ("f", None),
            ]
        );
        assert!(Cache::open_shards(dir.path(), &other).is_some());
        assert!(Cache::open_shards(&dir.path().join("none"), &stamp()).is_none());
    }

    #[test]
    fn shard_caches_are_told_by_name() {
        for name in ["records-0-of-4.bin", "records-12-of-100.bin"] {
            assert!(is_shard_cache_name(name), "{name}");
        }
        for name in [
            "records.bin",
            "records-0-of-.bin",
            "records--of-4.bin",
            "records-a-of-4.bin",
            "records-0-of-4.bin.tmp",
            "records-0-of-4-of-5.bin",
        ] {
            assert!(!is_shard_cache_name(name), "{name}");
        }
    }
}

#[cfg(test)]
mod stamp_tests {
    use super::*;

    #[test]
    fn a_stamp_is_trusted_only_when_the_file_settled_before_the_run() {
        let s = |ctime_ns: i64, mtime_ns: i64| FileStamp {
            size: 1,
            mtime_ns,
            ctime_ns,
            ino: 1,
            dev: 1,
        };
        let started = 100_000_000_000;
        assert!(s(10, 10).settled_before(started));
        // Written in the second before the run (or during it): hashed again next time.
        assert!(!s(started - 500_000_000, 10).settled_before(started));
        assert!(!s(10, started + 1).settled_before(started));
    }

    #[cfg(unix)]
    #[test]
    fn rewriting_a_file_changes_its_stamp_even_with_the_mtime_set_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.txt");
        fs::write(&p, b"abc").unwrap();
        let before = FileStamp::of(&fs::metadata(&p).unwrap()).unwrap();
        let mtime = fs::metadata(&p).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&p, b"xyz").unwrap();
        File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let after = FileStamp::of(&fs::metadata(&p).unwrap()).unwrap();
        assert_eq!((before.size, before.mtime_ns), (after.size, after.mtime_ns));
        assert_ne!(before, after, "the ctime moved");
    }
}
