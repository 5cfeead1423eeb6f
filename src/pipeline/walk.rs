//! Walking the corpus, and remembering its directories between runs.
//!
//! A fresh walk reads every directory with ripgrep's parallel walker (`ignore`, its ignore-file
//! filters off: a crawl dump has no `.gitignore` to honour, and hidden files are files too).
//! On a nightly re-run most directories have not changed, yet reading them (open, `getdents`,
//! close: five system calls each) was a third of the run's CPU when nothing else had to be
//! done. So each run leaves its directories' listings in the cache ([`Listings`]), and the next
//! run reads again only the directories whose `stat` changed (each alone: below it, every
//! directory is judged on its own) and walks new ones afresh.
//!
//! Why a listing can be trusted: creating, removing or renaming an entry sets its directory's
//! mtime and ctime to the time of the change, and no tool can set a ctime back. A listing
//! recorded by a run was true at some moment after that run began (it was read then, or
//! found true then). So when the directory's ctime and mtime are now still more than a second
//! before that run began, nothing has changed in it since, and its listing is used; the same
//! inode and device make sure it is the same directory. The second is the clock's resolution,
//! the margin the file stamps keep too ([`FileStamp::settled_before`]). The inode is the one
//! the parent's `readdir` gave, so recording a listing costs no system call of its own. Files
//! themselves are `stat`ed on every run, as before; a listing only saves reading their names.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::incremental::{CACHE_DIR, FileStamp};
use crate::spill::{Dec, Enc, SpillError};

/// One entry of the walked corpus.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Absolute or corpus-joined path.
    pub path: PathBuf,
    /// Path relative to the corpus root, `/`-separated.
    pub rel: String,
    /// Size in bytes (0 when unknown).
    pub bytes: u64,
    /// What `stat` said when the corpus was walked (for reusing the previous run's record
    /// without reading the file).
    pub stamp: Option<FileStamp>,
    /// Why the entry cannot be read at all (walk error, broken symlink).
    pub problem: Option<String>,
    /// What the entry is when it is not a regular file (a named pipe, socket or device, as
    /// the walk's `stat` says): such a file is never opened (a pipe without a writer would
    /// block its reader forever, a device never ends).
    pub special: Option<&'static str>,
}

impl Entry {
    fn file(path: &Path, rel: String, meta: &fs::Metadata) -> Entry {
        Entry {
            path: path.to_path_buf(),
            rel,
            bytes: meta.len(),
            stamp: FileStamp::of(meta),
            problem: None,
            special: special_kind(&meta.file_type()),
        }
    }

    fn problem(path: &Path, rel: String, why: String) -> Entry {
        Entry {
            path: path.to_path_buf(),
            rel,
            bytes: 0,
            stamp: None,
            problem: Some(why),
            special: None,
        }
    }
}

/// The kind of a file that is not a regular file, by its type; `None` for a regular file.
pub fn special_kind(t: &fs::FileType) -> Option<&'static str> {
    if t.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("named pipe (FIFO)");
        }
        if t.is_socket() {
            return Some("socket");
        }
        if t.is_char_device() {
            return Some("character device");
        }
        if t.is_block_device() {
            return Some("block device");
        }
    }
    if t.is_dir() {
        return Some("directory");
    }
    Some("special file")
}

/// Walks the corpus: every file (following symlinks to files, recording broken ones), sorted
/// by relative path. Directories are read by several threads at once; on network and
/// virtual file systems the `stat` calls dominate a walk.
pub fn walk(corpus: &Path) -> Vec<Entry> {
    walk_listing(corpus, None).entries
}

/// What [`walk_listing`] found.
#[derive(Debug)]
pub struct Walk {
    /// The corpus' files, sorted by relative path.
    pub entries: Vec<Entry>,
    /// The listing of every directory (`None` when the corpus is a single file).
    pub listings: Option<Listings>,
    /// Directories whose previous listing was used, not read again.
    pub dirs_reused: usize,
}

/// [`walk`], reusing the listings of `previous` for directories that did not change since,
/// and returning the listings of this walk.
pub fn walk_listing(corpus: &Path, previous: Option<&Listings>) -> Walk {
    // One file given as the corpus (a regular file, or a pipe or device named by mistake).
    if corpus.exists() && !corpus.is_dir() {
        let name = corpus
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let entry = match corpus.metadata() {
            Ok(m) => Entry::file(corpus, name, &m),
            Err(e) => Entry::problem(corpus, name, e.to_string()),
        };
        return Walk {
            entries: vec![entry],
            listings: None,
            dirs_reused: 0,
        };
    }
    let started_ns = crate::incremental::now_ns();
    let reused = previous
        .filter(|p| p.corpus == corpus_key(corpus))
        .and_then(|p| walk_reusing(corpus, p));
    let ((mut entries, dirs), dirs_reused) = reused.unwrap_or_else(|| (walk_fresh(corpus, ""), 0));
    entries.sort_by(|a, b| a.rel.cmp(&b.rel));
    let listings = Listings {
        corpus: corpus_key(corpus),
        started_ns,
        dirs: dirs.into_iter().collect(),
    };
    Walk {
        entries,
        listings: Some(listings),
        dirs_reused,
    }
}

/// What a directory held, and which directory it was.
#[derive(Debug, Clone, PartialEq)]
pub struct DirListing {
    /// The directory's inode number.
    pub ino: u64,
    /// The device it is on (the corpus root's, for directories found by the walker).
    pub dev: u64,
    /// Its entries.
    pub entries: Entries,
}

/// A directory's entries (name and kind), sorted by name: as this walk read them, or as the
/// listings file stores them. A reused listing is never decoded into strings: loading,
/// visiting and saving it again costs no allocation per name (at 10⁴ files, 36k names were
/// allocated when the listings were loaded and again when each was reused).
#[derive(Debug, Clone)]
pub enum Entries {
    /// Read from the directory by this walk.
    Read(Vec<(String, Kind)>),
    /// `count` entries encoded in `file[at]`, checked when the file was loaded.
    Stored {
        file: Arc<[u8]>,
        at: Range<usize>,
        count: usize,
    },
}

impl Default for Entries {
    fn default() -> Entries {
        Entries::Read(Vec::new())
    }
}

impl PartialEq for Entries {
    fn eq(&self, other: &Entries) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Entries {
    /// Each entry's name and kind, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Kind)> {
        let (read, stored) = match self {
            Entries::Read(v) => (Some(v.iter().map(|(n, k)| (n.as_str(), *k))), None),
            Entries::Stored { file, at, count } => {
                (None, Some(stored_entries(&file[at.clone()], *count)))
            }
        };
        read.into_iter()
            .flatten()
            .chain(stored.into_iter().flatten())
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        match self {
            Entries::Read(v) => v.len(),
            Entries::Stored { count, .. } => *count,
        }
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the entries as [`Listings::load`] reads them: a stored range as it is.
    fn write<W: Write>(&self, e: &mut Enc<W>) -> std::io::Result<()> {
        e.varint(self.len() as u64)?;
        match self {
            Entries::Read(v) => {
                for (name, kind) in v {
                    e.short_str(name)?;
                    e.u8(kind.code())?;
                }
                Ok(())
            }
            Entries::Stored { file, at, .. } => e.0.write_all(&file[at.clone()]),
        }
    }
}

/// Decodes `count` stored entries (name, kind code); stops at the first that does not
/// decode, which a checked range never has.
fn stored_entries(bytes: &[u8], count: usize) -> impl Iterator<Item = (&str, Kind)> {
    let mut d = Dec::new(bytes);
    (0..count).map_while(move |_| {
        let name = d.short_str_ref().ok()?;
        Some((name, Kind::from_code(d.u8().ok()?)?))
    })
}

/// What a directory entry is, as its directory says (no `stat` needed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A directory (never followed when it is a symlink).
    Dir,
    /// A symbolic link, followed to a file.
    Symlink,
    /// Anything else: a file, or a special file that will fail to read.
    File,
}

impl Kind {
    fn of(t: fs::FileType) -> Kind {
        if t.is_dir() {
            Kind::Dir
        } else if t.is_symlink() {
            Kind::Symlink
        } else {
            Kind::File
        }
    }

    fn code(self) -> u8 {
        match self {
            Kind::Dir => 0,
            Kind::Symlink => 1,
            Kind::File => 2,
        }
    }

    fn from_code(c: u8) -> Option<Kind> {
        [Kind::Dir, Kind::Symlink, Kind::File]
            .get(c as usize)
            .copied()
    }
}

/// The listings of every directory of one walk, by path relative to the corpus (`""` is the
/// root), and when that walk began.
#[derive(Debug, Clone, PartialEq)]
pub struct Listings {
    /// The corpus root as given (listings of another root are never used).
    pub corpus: String,
    /// When the walk began, nanoseconds since the epoch.
    pub started_ns: i64,
    /// Listings by relative directory path.
    pub dirs: BTreeMap<String, DirListing>,
}

const MAGIC: &str = "xxgk-dirs-v2";

/// Where the listings of the run with shard `suffix` are kept in output directory `out`.
pub fn listings_path(out: &Path, suffix: &str) -> PathBuf {
    out.join(CACHE_DIR).join(format!("dirs{suffix}.bin"))
}

impl Listings {
    /// Reads listings written by [`Listings::save`]; `None` when the file is missing or not
    /// one this version wrote (the walk then reads every directory).
    pub fn load(path: &Path) -> Option<Listings> {
        let file: Arc<[u8]> = fs::read(path).ok()?.into();
        let mut d = Dec::new(&file[..]);
        let at = |d: &Dec<&[u8]>| file.len() - d.rest().len();
        let mut read = || -> std::io::Result<Option<Listings>> {
            if d.str()? != MAGIC {
                return Ok(None);
            }
            let corpus = d.str()?;
            let started_ns = d.u64()? as i64;
            let n = d.varint()?;
            let mut dirs = Vec::with_capacity(n.min(1 << 20) as usize);
            for _ in 0..n {
                let rel = d.str()?;
                let (ino, dev) = (d.varint()?, d.varint()?);
                let count = d.varint()? as usize;
                let start = at(&d);
                for _ in 0..count {
                    d.short_str_ref()?;
                    if Kind::from_code(d.u8()?).is_none() {
                        return Ok(None);
                    }
                }
                let entries = Entries::Stored {
                    file: file.clone(),
                    at: start..at(&d),
                    count,
                };
                dirs.push((rel, DirListing { ino, dev, entries }));
            }
            Ok(Some(Listings {
                corpus,
                started_ns,
                dirs: dirs.into_iter().collect(),
            }))
        };
        read().ok().flatten()
    }

    /// Writes the listings next to `path` under a temporary name, so they need not stay in
    /// memory for the rest of the run (at 10⁵ files they take tens of megabytes);
    /// [`Staged::publish`] renames them into place once the run has succeeded.
    pub fn stage(&self, path: &Path) -> Result<Staged, SpillError> {
        let err = |source| SpillError {
            path: path.to_path_buf(),
            source,
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(err)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let staged = Staged {
            tmp: dir.join(format!(".{name}.tmp-{}", std::process::id())),
            dest: path.to_path_buf(),
            published: false,
        };
        self.write(&staged.tmp).map_err(err)?;
        Ok(staged)
    }

    /// Writes the listings to `path` and renames them into place.
    pub fn save(&self, path: &Path) -> Result<(), SpillError> {
        self.stage(path)?.publish()
    }

    fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut e = Enc(BufWriter::new(File::create(path)?));
        e.str(MAGIC)?;
        e.str(&self.corpus)?;
        e.u64(self.started_ns as u64)?;
        e.varint(self.dirs.len() as u64)?;
        for (rel, listing) in &self.dirs {
            e.str(rel)?;
            e.varint(listing.ino)?;
            e.varint(listing.dev)?;
            listing.entries.write(&mut e)?;
        }
        e.0.into_inner().map_err(|e| e.into_error())?.flush()
    }
}

/// Listings written under a temporary name ([`Listings::stage`]); removed unless published.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    dest: PathBuf,
    published: bool,
}

impl Staged {
    /// Renames the listings into place.
    pub fn publish(mut self) -> Result<(), SpillError> {
        fs::rename(&self.tmp, &self.dest).map_err(|source| SpillError {
            path: self.dest.clone(),
            source,
        })?;
        self.published = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// The corpus root as listings record it: its canonical path, so that a run given the
/// corpus by a relative path, or through a symlink, uses the listings of one given it by
/// another path to the same directory.
fn corpus_key(corpus: &Path) -> String {
    fs::canonicalize(corpus)
        .unwrap_or_else(|_| corpus.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// Joins a relative directory and a name.
fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// A directory's stamp (the root followed if it is a symlink, as the walker does).
fn dir_stamp(path: &Path, is_root: bool) -> Option<FileStamp> {
    let meta = if is_root {
        fs::metadata(path)
    } else {
        fs::symlink_metadata(path)
    };
    meta.ok()
        .filter(fs::Metadata::is_dir)
        .and_then(|m| FileStamp::of(&m))
}

/// What a walk found: the entries, and the listing of every directory it read or reused.
type Listed = (Vec<Entry>, Vec<(String, DirListing)>);

/// Walks `corpus`, reading again only the directories that changed since `previous` (see
/// [`Reuse::visit`]), and returns what it found with the number of listings used as they
/// were. `None` when a file listed as present can
/// no longer be `stat`ed: a race with whatever is changing the corpus, for which the fresh
/// walk, with its own error reports, is the reference.
fn walk_reusing(corpus: &Path, previous: &Listings) -> Option<(Listed, usize)> {
    let entries = Mutex::new(Vec::new());
    let dirs = Mutex::new(Vec::new());
    let failed = std::sync::atomic::AtomicBool::new(false);
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let ctx = Reuse {
        corpus,
        previous,
        entries: &entries,
        dirs: &dirs,
        failed: &failed,
        reused: &reused,
    };
    rayon::scope(|s| ctx.visit(s, String::new()));
    if failed.into_inner() {
        return None;
    }
    Some((
        (
            entries.into_inner().unwrap_or_else(|e| e.into_inner()),
            dirs.into_inner().unwrap_or_else(|e| e.into_inner()),
        ),
        reused.into_inner(),
    ))
}

/// The shared state of [`walk_reusing`].
struct Reuse<'a> {
    corpus: &'a Path,
    previous: &'a Listings,
    entries: &'a Mutex<Vec<Entry>>,
    dirs: &'a Mutex<Vec<(String, DirListing)>>,
    failed: &'a std::sync::atomic::AtomicBool,
    /// Listings used as they were.
    reused: &'a std::sync::atomic::AtomicUsize,
}

impl<'a> Reuse<'a> {
    /// Visits directory `rel`: from its listing when it is the directory recorded and had
    /// settled before the recording run began; read again (this directory only: its
    /// subdirectories are judged on their own) when it changed; with the fresh walker,
    /// subtree and all, when it is new.
    fn visit<'s>(&'s self, scope: &rayon::Scope<'s>, rel: String) {
        let path = if rel.is_empty() {
            self.corpus.to_path_buf()
        } else {
            self.corpus.join(&rel)
        };
        let stamp = dir_stamp(&path, rel.is_empty());
        let listing = match (self.previous.dirs.get(&rel), stamp) {
            (Some(l), Some(now))
                if (now.ino, now.dev) == (l.ino, l.dev)
                    && now.settled_before(self.previous.started_ns) =>
            {
                self.reused
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Some(l.clone())
            }
            (Some(_), Some(now)) => read_listing(&path, now),
            _ => None,
        };
        let Some(listing) = listing else {
            let (entries, dirs) = walk_fresh(&path, &rel);
            lock(self.entries).extend(entries);
            lock(self.dirs).extend(dirs);
            return;
        };
        let mut found = Vec::new();
        for (name, kind) in listing.entries.iter() {
            let child_rel = join_rel(&rel, name);
            let child = path.join(name);
            match kind {
                Kind::Dir => scope.spawn(move |s| self.visit(s, child_rel)),
                Kind::Symlink => found.extend(symlink_entry(&child, child_rel)),
                Kind::File => match fs::symlink_metadata(&child) {
                    Ok(m) => found.push(Entry::file(&child, child_rel, &m)),
                    Err(_) => self
                        .failed
                        .store(true, std::sync::atomic::Ordering::Relaxed),
                },
            }
        }
        lock(self.entries).extend(found);
        lock(self.dirs).push((rel, listing));
    }
}

/// The listing of one directory read now (`stamp` is its own). `None` when it cannot be
/// read or holds a name that is not UTF-8 (the fresh walker then handles it, as it would on
/// a first run).
fn read_listing(path: &Path, stamp: FileStamp) -> Option<DirListing> {
    let mut entries = Vec::new();
    for e in fs::read_dir(path).ok()? {
        let e = e.ok()?;
        let name = e.file_name().into_string().ok()?;
        entries.push((name, Kind::of(e.file_type().ok()?)));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Some(DirListing {
        ino: stamp.ino,
        dev: stamp.dev,
        entries: Entries::Read(entries),
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Walks directory `root` (at `rel` in the corpus) with the parallel walker, recording the
/// listing of every directory it reads.
fn walk_fresh(root: &Path, rel: &str) -> Listed {
    // Directories below the root are identified by the inode their parent's `readdir` gave
    // and the root's device; the root by its `stat`.
    let all = Mutex::new(Found::default());
    let Some(root_stamp) = dir_stamp(root, rel.is_empty()) else {
        // Not a directory (any more): the walker reports what it finds, nothing is listed.
        let found = walk_found(root, rel, &all);
        return (found.entries, Vec::new());
    };
    lock(&all).dirs.push((rel.to_string(), root_stamp.ino));
    let found = walk_found(root, rel, &all);
    let dev = root_stamp.dev;
    let mut listings: BTreeMap<String, (u64, Vec<(String, Kind)>)> = found
        .dirs
        .into_iter()
        .map(|(rel, ino)| (rel, (ino, Vec::new())))
        .collect();
    for (parent, name, kind) in found.children {
        if let Some((_, entries)) = listings.get_mut(&parent) {
            entries.push((name, kind));
        }
    }
    for dir in found.unlisted {
        listings.remove(&dir);
    }
    let listings = listings.into_iter().map(|(rel, (ino, mut entries))| {
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let entries = Entries::Read(entries);
        (rel, DirListing { ino, dev, entries })
    });
    (found.entries, listings.collect())
}

/// Runs the parallel walker over `root`, adding what it finds to `all`, and returns it.
fn walk_found(root: &Path, rel: &str, all: &Mutex<Found>) -> Found {
    ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .follow_links(false)
        .build_parallel()
        .run(|| {
            let mut found = ThreadFound {
                all,
                local: Found::default(),
            };
            Box::new(move |item| {
                found.local.add(root, rel, item);
                ignore::WalkState::Continue
            })
        });
    std::mem::take(&mut *lock(all))
}

/// What a fresh walk found: entries, directories with their inode numbers, and (parent,
/// name, kind) of every entry below the root.
#[derive(Default)]
struct Found {
    entries: Vec<Entry>,
    dirs: Vec<(String, u64)>,
    children: Vec<(String, String, Kind)>,
    /// Directories holding a name that is not UTF-8: a listing could not name it again, so
    /// none is kept (the next run reads them afresh).
    unlisted: Vec<String>,
}

impl Found {
    /// Adds one walked item under `root` (at `rel_root` in the corpus).
    fn add(&mut self, root: &Path, rel_root: &str, item: Result<ignore::DirEntry, ignore::Error>) {
        let e = match item {
            Ok(e) => e,
            Err(err) => {
                self.entries.extend(error_entry(root, rel_root, &err));
                return;
            }
        };
        let Some(file_type) = e.file_type() else {
            return;
        };
        if e.depth() == 0 {
            return; // the root, identified by the caller
        }
        let rel = join_rel(rel_root, &relative(root, e.path()));
        let kind = Kind::of(file_type);
        let (parent, name) = rel.rsplit_once('/').unwrap_or(("", &rel));
        if e.file_name().to_str().is_none() {
            self.unlisted.push(parent.to_string());
        }
        self.children
            .push((parent.to_string(), name.to_string(), kind));
        match kind {
            Kind::Dir => {
                if let Some(ino) = dirent_ino(&e) {
                    self.dirs.push((rel, ino));
                }
            }
            Kind::Symlink => self.entries.extend(symlink_entry(e.path(), rel)),
            Kind::File => self.entries.push(match e.metadata() {
                Ok(m) => Entry::file(e.path(), rel, &m),
                Err(err) => Entry::problem(e.path(), rel, err.to_string()),
            }),
        }
    }
}

/// One walker thread's [`Found`], added to the walk's when the thread is done (no lock per
/// entry).
struct ThreadFound<'a> {
    all: &'a Mutex<Found>,
    local: Found,
}

impl Drop for ThreadFound<'_> {
    fn drop(&mut self) {
        let mut all = lock(self.all);
        all.entries.append(&mut self.local.entries);
        all.dirs.append(&mut self.local.dirs);
        all.children.append(&mut self.local.children);
        all.unlisted.append(&mut self.local.unlisted);
    }
}

/// The inode number a directory entry's `readdir` gave (no system call); `None` where the
/// platform has none, and then nothing is listed.
#[cfg(unix)]
fn dirent_ino(e: &ignore::DirEntry) -> Option<u64> {
    e.ino()
}

#[cfg(not(unix))]
fn dirent_ino(_: &ignore::DirEntry) -> Option<u64> {
    None
}

/// The entry of a walk error: `None` for a directory that cannot be read (its files are
/// not known) and for errors that name no path.
fn error_entry(root: &Path, rel_root: &str, err: &ignore::Error) -> Option<Entry> {
    let path = walk_error_path(err)?;
    if path.is_dir() {
        return None;
    }
    let rel = join_rel(rel_root, &relative(root, &path));
    Some(Entry::problem(&path, rel, err.to_string()))
}

/// A symlink is followed to a file (or to a pipe or device, which is reported, never opened);
/// one to a directory is skipped, a broken one reported.
fn symlink_entry(path: &Path, rel: String) -> Option<Entry> {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => None,
        Ok(m) => Some(Entry::file(path, rel, &m)),
        Err(err) => Some(Entry::problem(path, rel, format!("broken symlink: {err}"))),
    }
}

/// The path a walk error is about, if it names one.
fn walk_error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rels(entries: &[Entry]) -> Vec<String> {
        entries.iter().map(|e| e.rel.clone()).collect()
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Waits until what was just written counts as settled for a walk that begins now (the
    /// one-second margin of [`FileStamp::settled_before`]).
    fn settle() {
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }

    /// Listings as the previous run would have left them, recorded long enough ago for
    /// every directory to count as settled, whatever happened to it since.
    fn settled(mut l: Listings) -> Listings {
        l.started_ns = i64::MAX;
        l
    }

    #[test]
    fn listings_round_trip_through_their_file() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("c");
        write(&corpus.join("a/b/one.txt"), "1");
        write(&corpus.join("two.html"), "2");
        let listings = walk_listing(&corpus, None).listings.unwrap();
        assert_eq!(
            listings.dirs.keys().collect::<Vec<_>>(),
            ["", "a", "a/b"].iter().collect::<Vec<_>>()
        );
        assert_eq!(
            listings.dirs[""].entries,
            Entries::Read(vec![
                ("a".to_string(), Kind::Dir),
                ("two.html".to_string(), Kind::File)
            ])
        );
        let path = dir.path().join("dirs.bin");
        listings.save(&path).unwrap();
        let loaded = Listings::load(&path).unwrap();
        assert_eq!(loaded, listings);
        assert!(matches!(loaded.dirs[""].entries, Entries::Stored { .. }));
        // Stored entries are written back as they were read.
        let again = dir.path().join("again.bin");
        loaded.save(&again).unwrap();
        assert_eq!(fs::read(&again).unwrap(), fs::read(&path).unwrap());
        // A kind code out of range makes the whole file unusable, not a listing short.
        let mut bytes = fs::read(&path).unwrap();
        *bytes.last_mut().unwrap() = 9;
        fs::write(&path, &bytes).unwrap();
        assert_eq!(Listings::load(&path), None);
        fs::write(&path, b"not listings").unwrap();
        assert_eq!(Listings::load(&path), None);
    }

    /// A reused walk finds what a fresh walk finds, after files are added, removed and
    /// rewritten and a directory is replaced: changed directories are read again.
    #[test]
    fn reused_listings_see_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("c");
        for f in ["a/1.txt", "a/2.txt", "b/c/3.txt", "b/4.txt", "5.txt"] {
            write(&corpus.join(f), f);
        }
        settle();
        let first = walk_listing(&corpus, None).listings.unwrap();
        let unchanged = walk_listing(&corpus, Some(&first));
        assert_eq!(rels(&unchanged.entries), rels(&walk(&corpus)));
        assert_eq!(unchanged.dirs_reused, first.dirs.len());

        write(&corpus.join("b/c/new.txt"), "new");
        fs::remove_file(corpus.join("a/2.txt")).unwrap();
        write(&corpus.join("5.txt"), "rewritten, longer");
        fs::remove_dir_all(corpus.join("b/c")).unwrap();
        write(&corpus.join("b/c/other.txt"), "other");
        write(&corpus.join("d/e/6.txt"), "a new directory, walked afresh");
        let Walk {
            entries: after,
            listings,
            dirs_reused,
        } = walk_listing(&corpus, Some(&first));
        // Every listed directory changed: the root (d is new), a (a file went), b and b/c
        // (c was replaced).
        assert_eq!(dirs_reused, 0);
        let fresh = walk(&corpus);
        assert_eq!(rels(&after), rels(&fresh));
        assert_eq!(
            rels(&after),
            ["5.txt", "a/1.txt", "b/4.txt", "b/c/other.txt", "d/e/6.txt"]
        );
        let stamps = |es: &[Entry]| es.iter().map(|e| e.stamp).collect::<Vec<_>>();
        assert_eq!(stamps(&after), stamps(&fresh));
        assert_eq!(
            listings,
            walk_listing(&corpus, None).listings.map(|l| Listings {
                started_ns: listings.as_ref().unwrap().started_ns,
                ..l
            })
        );
    }

    /// A changed directory is read again alone: below it, a directory that did not change
    /// keeps its listing (here a deliberately stale one, to show it was used).
    #[test]
    fn below_a_changed_directory_listings_are_still_used() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("c");
        write(&corpus.join("a/b/1.txt"), "1");
        settle();
        let mut stale = walk_listing(&corpus, None).listings.unwrap();
        stale.dirs.get_mut("a/b").unwrap().entries = Entries::default();
        write(&corpus.join("a/2.txt"), "2");
        let walked = walk_listing(&corpus, Some(&stale));
        assert_eq!(rels(&walked.entries), ["a/2.txt"]);
        assert_eq!(walked.dirs_reused, 2, "the root and a/b");
        let a = &walked.listings.unwrap().dirs["a"];
        assert_eq!(
            a.entries,
            Entries::Read(vec![
                ("2.txt".to_string(), Kind::File),
                ("b".to_string(), Kind::Dir)
            ])
        );
    }

    /// A listing recorded by a run that began before the directory settled is not trusted:
    /// the directory is read again although it is the same directory, unchanged since.
    #[test]
    fn unsettled_listings_are_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("c");
        write(&corpus.join("a/1.txt"), "1");
        let mut stale = walk_listing(&corpus, None).listings.unwrap();
        // A listing that misses a file, recorded (as far as the times can tell) while the
        // directory was still being written.
        stale.dirs.get_mut("a").unwrap().entries = Entries::default();
        stale.started_ns = 0;
        let entries = walk_listing(&corpus, Some(&stale)).entries;
        assert_eq!(rels(&entries), ["a/1.txt"]);
        // Settled, the same stale listing is believed: this is what the test rests on.
        let entries = walk_listing(&corpus, Some(&settled(stale))).entries;
        assert!(entries.is_empty());
    }

    #[test]
    fn listings_are_found_whatever_path_names_the_corpus() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("c");
        write(&corpus.join("a/1.txt"), "1");
        let l = settled(walk_listing(&corpus, None).listings.unwrap());
        let other_name = corpus.join("a").join("..");
        assert_eq!(
            walk_listing(&other_name, Some(&l)).dirs_reused,
            l.dirs.len()
        );
    }

    #[test]
    fn listings_of_another_corpus_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("c");
        write(&corpus.join("1.txt"), "1");
        let mut l = settled(walk_listing(&corpus, None).listings.unwrap());
        l.dirs.get_mut("").unwrap().entries = Entries::default();
        l.corpus = "/elsewhere".to_string();
        assert_eq!(rels(&walk_listing(&corpus, Some(&l)).entries), ["1.txt"]);
    }

    /// Pipes, sockets and devices (here through a symlink) are entries marked special, in a
    /// fresh walk and in one reusing listings alike; regular files are not.
    #[cfg(unix)]
    #[test]
    fn special_files_are_known_by_their_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("c");
        write(&corpus.join("a.txt"), "1");
        let _socket = std::os::unix::net::UnixListener::bind(corpus.join("s.html")).unwrap();
        std::os::unix::fs::symlink("/dev/null", corpus.join("null.txt")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(corpus.join("p.txt"))
            .status()
            .is_ok_and(|s| s.success());
        let first = walk_listing(&corpus, None);
        let reused = walk_listing(&corpus, Some(&settled(first.listings.unwrap()))).entries;
        for entries in [&first.entries, &reused] {
            let kinds: Vec<(&str, Option<&str>)> = entries
                .iter()
                .map(|e| (e.rel.as_str(), e.special))
                .collect();
            let mut want = vec![
                ("a.txt", None),
                ("null.txt", Some("character device")),
                ("s.html", Some("socket")),
            ];
            if fifo {
                want.insert(2, ("p.txt", Some("named pipe (FIFO)")));
            }
            assert_eq!(kinds, want);
        }
        // A pipe given as the corpus is one special entry, not an empty walk.
        if fifo {
            let one = walk(&corpus.join("p.txt"));
            assert_eq!(one.len(), 1);
            assert_eq!(one[0].special, Some("named pipe (FIFO)"));
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_to_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("c");
        write(&corpus.join("d/1.txt"), "1");
        std::os::unix::fs::symlink(corpus.join("d/1.txt"), corpus.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(corpus.join("d"), corpus.join("dirlink")).unwrap();
        std::os::unix::fs::symlink(corpus.join("gone"), corpus.join("broken.txt")).unwrap();
        let first = walk_listing(&corpus, None);
        let fresh = first.entries;
        let reused = walk_listing(&corpus, Some(&settled(first.listings.unwrap()))).entries;
        for entries in [&fresh, &reused] {
            assert_eq!(rels(entries), ["broken.txt", "d/1.txt", "link.txt"]);
            assert!(
                entries[0]
                    .problem
                    .as_deref()
                    .unwrap()
                    .starts_with("broken symlink")
            );
        }
    }
}
