//! Incremental nightly runs: the per-file results of the last run, kept in
//! `OUT/.xxgk-cache/records{-K-of-N}.bin`, so that a re-run parses only new or changed files.
//!
//! The cache holds every file's record *before* duplicate marking (a duplicate's facts are
//! needed again if its original disappears), in walk order, so a run reads it as one stream
//! next to the walk (a merge join on the path) and memory stays flat. A record is reused when
//! the path and the content hash (`report_id`) are unchanged. The header stamps the xxgk
//! version and [`Knowledge::version`](crate::knowledge::Knowledge::version): a new binary or
//! changed rules silently invalidate the cache, and any unreadable cache only means a full run.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::model::ReportRecord;
use crate::spill::{Dec, Enc, SpillError, decode_record, encode_record};

const MAGIC: &str = "xxgk-records-v2";

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

/// The cache file of a shard (suffix empty for an unsharded run).
pub fn cache_path(out: &Path, suffix: &str) -> PathBuf {
    out.join(CACHE_DIR).join(format!("records{suffix}.bin"))
}

/// Writes records in walk order; the file is the new cache once published.
pub struct RecordWriter {
    path: PathBuf,
    enc: Enc<BufWriter<File>>,
    buf: Vec<u8>,
}

impl RecordWriter {
    /// Starts a record file with the stamp in its header.
    pub fn create(path: &Path, stamp: &Stamp) -> Result<RecordWriter, SpillError> {
        let err = |source| SpillError {
            path: path.to_path_buf(),
            source,
        };
        let file = File::create(path).map_err(err)?;
        let mut enc = Enc(BufWriter::with_capacity(256 * 1024, file));
        enc.str(MAGIC).map_err(err)?;
        enc.str(&stamp.version).map_err(err)?;
        enc.str(&stamp.knowledge).map_err(err)?;
        Ok(RecordWriter {
            path: path.to_path_buf(),
            enc,
            buf: Vec::new(),
        })
    }

    /// Appends one record.
    pub fn append(&mut self, r: &ReportRecord) -> Result<(), SpillError> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let encoded = encode_record(&mut Enc(&mut buf), r);
        let written = encoded
            .map_err(|source| SpillError {
                path: self.path.clone(),
                source,
            })
            .and_then(|_| self.append_raw(&buf));
        self.buf = buf;
        written
    }

    /// Appends one record as encoded by [`encode_record`] (e.g. taken unchanged from the
    /// previous run's cache). Each record is framed as a `1` byte and a u32 length.
    pub fn append_raw(&mut self, encoded: &[u8]) -> Result<(), SpillError> {
        let err = |source| SpillError {
            path: self.path.clone(),
            source,
        };
        self.enc.u8(1).map_err(err)?;
        self.enc.u32(encoded.len() as u32).map_err(err)?;
        self.enc.0.write_all(encoded).map_err(err)
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

/// Reads a record file in walk order.
pub struct RecordReader {
    path: PathBuf,
    dec: Dec<BufReader<File>>,
    done: bool,
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
                Ok(Some(RecordReader {
                    path: path.to_path_buf(),
                    dec,
                    done: false,
                }))
            }
            Ok(_) => Ok(None),
            Err(e) => Err(err(e)),
        }
    }

    /// The next record, `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<ReportRecord>, SpillError> {
        match self.next_raw()? {
            None => Ok(None),
            Some(raw) => decode_record(&mut Dec::new(raw.as_slice()))
                .map(Some)
                .map_err(|source| SpillError {
                    path: self.path.clone(),
                    source,
                }),
        }
    }

    /// The next record still encoded, `None` at the end.
    pub fn next_raw(&mut self) -> Result<Option<Vec<u8>>, SpillError> {
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
                let len = self.dec.u32().map_err(err)? as usize;
                self.dec.bytes(len).map(Some).map_err(err)
            }
            _ => Err(err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "bad record tag",
            ))),
        }
    }
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
    reader: RecordReader,
    pending: Option<Vec<u8>>,
}

impl Cache {
    /// Opens the cache of a shard; `None` (a full run) when there is none, it was written by
    /// another version, or it cannot be read.
    pub fn open(out: &Path, suffix: &str, stamp: &Stamp) -> Option<Cache> {
        let path = cache_path(out, suffix);
        if !path.is_file() {
            return None;
        }
        match RecordReader::open(&path, stamp) {
            Ok(Some(reader)) => Some(Cache {
                reader,
                pending: None,
            }),
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

    /// The cached record of `rel_path`, if any, still encoded (decode it with
    /// [`decode_record`], in parallel). Paths must be asked for in walk order (ascending);
    /// records of paths skipped over are dropped. A read error ends the cache (the remaining
    /// files are simply parsed again).
    pub fn take(&mut self, rel_path: &str) -> Option<Vec<u8>> {
        loop {
            if self.pending.is_none() {
                match self.reader.next_raw() {
                    Ok(Some(r)) => self.pending = Some(r),
                    Ok(None) => return None,
                    Err(e) => {
                        eprintln!("xxgk: cache read stopped: {e}");
                        self.reader.done = true;
                        return None;
                    }
                }
            }
            let here = self
                .pending
                .as_deref()
                .map(encoded_path)
                .unwrap_or_default();
            match here.cmp(rel_path.as_bytes()) {
                std::cmp::Ordering::Less => self.pending = None,
                std::cmp::Ordering::Equal => return self.pending.take(),
                std::cmp::Ordering::Greater => return None,
            }
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
        let mut w = RecordWriter::create(&tmp, &stamp()).unwrap();
        for p in ["a", "c", "d"] {
            w.append(&ReportRecord::empty(p.into(), format!("id-{p}"), 1, "txt"))
                .unwrap();
        }
        publish(&w.finish().unwrap(), dir.path(), "").unwrap();
        let mut c = Cache::open(dir.path(), "", &stamp()).unwrap();
        assert!(c.take("0").is_none());
        let a = c.take("a").unwrap();
        assert_eq!(
            decode_record(&mut Dec::new(a.as_slice()))
                .unwrap()
                .report_id,
            "id-a"
        );
        assert!(c.take("b").is_none());
        assert!(c.take("d").is_some());
        assert!(c.take("e").is_none());
        let other = Stamp {
            knowledge: "k2".into(),
            ..stamp()
        };
        assert!(Cache::open(dir.path(), "", &other).is_none());
        assert!(Cache::open(dir.path(), "-0-of-2", &stamp()).is_none());
    }
}
