//! A synthetic crawl for benchmarks and scale tests: `N` files derived from the five seed
//! reports in `data/sample/`.
//!
//! Real crawls are large, private and slow to fetch, yet the scale work (bounded memory,
//! incremental runs, sharding) needs corpora of 10⁴–10⁵ files that look like one: many
//! agencies and years, three text encodings, a third HTML, some pages that are not reports,
//! a few byte-identical copies, nested `site/column/yyyy/` directories. Everything is drawn
//! from a small xorshift generator, so the same `--seed` always gives the same bytes.

pub mod layouts;
mod render;
mod seeds;

use std::fs;
use std::path::{Path, PathBuf};

pub use render::{Encoding, encode_text, to_html};
pub use seeds::{Agency, Place, Places};

/// Why a corpus could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// Creating a directory or writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Directory the corpus is written into (created if missing).
    pub out: PathBuf,
    /// Number of files, reports, non-report pages and duplicates together.
    pub files: usize,
    /// PRNG seed: the same seed gives the same corpus.
    pub seed: u64,
    /// Write each text report's tables in a layout drawn from [`layouts::Layout::ALL`] (pipes,
    /// markdown, a cell per line, glued digits, a page on one line…) instead of tabs, as
    /// crawlers leave them; off, the corpus is the same as before the option existed.
    pub layouts: bool,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenSummary {
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Annual reports among them.
    pub reports: usize,
    /// Guide and news pages (not reports).
    pub non_reports: usize,
    /// Byte-identical copies of an earlier file.
    pub duplicates: usize,
    /// Files written as HTML.
    pub html: usize,
}

impl std::fmt::Display for GenSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} files, {:.1} MB: {} reports, {} other pages, {} duplicates; {} HTML",
            self.files,
            self.bytes as f64 / 1e6,
            self.reports,
            self.non_reports,
            self.duplicates,
            self.html
        )
    }
}

/// xorshift64*: tiny, fast, deterministic, good enough to pick names and numbers.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for this seed (any value, zero included).
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`0` when `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Share of non-report pages.
const NON_REPORT_SHARE: f64 = 0.05;
/// Share of byte-identical duplicates.
const DUPLICATE_SHARE: f64 = 0.01;
/// Share of HTML files.
const HTML_SHARE: f64 = 0.33;

/// One generated file before it is written.
struct GenFile {
    rel: String,
    bytes: Vec<u8>,
}

/// Writes the corpus.
pub fn generate(opts: &GenOptions) -> Result<GenSummary, GenError> {
    let places = Places::embedded();
    let mut rng = Rng::new(opts.seed);
    // Layouts are drawn from a stream of their own, so that every other draw (agencies,
    // years, formats) is the same with or without them.
    let mut layout_rng = Rng::new(opts.seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut summary = GenSummary::default();
    let mut written: Vec<String> = Vec::new();
    for i in 0..opts.files {
        let file = if !written.is_empty() && rng.chance(DUPLICATE_SHARE) {
            summary.duplicates += 1;
            duplicate_of_earlier(&opts.out, &written, i, &mut rng)?
        } else {
            let agency = places.agency(&mut rng);
            let year = 2014 + rng.below(11) as i32;
            let html = rng.chance(HTML_SHARE);
            summary.html += usize::from(html);
            let (title, text) = if rng.chance(NON_REPORT_SHARE) {
                summary.non_reports += 1;
                seeds::non_report_page(&agency, year, &mut rng)
            } else {
                summary.reports += 1;
                seeds::report(&agency, year, &mut rng)
            };
            let text = if opts.layouts && !html {
                in_drawn_layout(&text, &mut layout_rng)
            } else {
                text
            };
            render_file(&agency, year, i, &title, &text, html, &mut rng)
        };
        write_file(&opts.out, &file)?;
        summary.files += 1;
        summary.bytes += file.bytes.len() as u64;
        written.push(file.rel);
    }
    Ok(summary)
}

/// Encodes one document as text or HTML and gives it a crawl-like path.
/// `text` with its tables written again in a layout drawn by `rng` (its other lines as they
/// are): the tables are found as `xxgk run` finds them, then rendered by [`layouts::render`].
fn in_drawn_layout(text: &str, rng: &mut Rng) -> String {
    let layout = *rng.pick(&layouts::Layout::ALL);
    let mut doc = crate::document::Document::from_text(text);
    crate::document::layout::find_tables(&mut doc);
    if doc.tables.is_empty() {
        return text.to_string();
    }
    layouts::render(&doc, layout)
}

fn render_file(
    agency: &Agency,
    year: i32,
    i: usize,
    title: &str,
    text: &str,
    html: bool,
    rng: &mut Rng,
) -> GenFile {
    let site = format!("www.{}.gov.cn", agency.place.code);
    let column = rng
        .pick(&[
            "xxgk/ndbg",
            "zwgk/gknb",
            "col/col1229",
            "art",
            "zfxxgk/fdzdgknr/ndbg",
        ])
        .to_string();
    let published = year + 1;
    let encoding = if html {
        if rng.chance(0.7) {
            Encoding::Utf8
        } else {
            Encoding::Gb18030
        }
    } else {
        match rng.below(20) {
            0..=11 => Encoding::Utf8,
            12..=16 => Encoding::Gb18030,
            _ => Encoding::Utf16Le,
        }
    };
    let (body, ext) = if html {
        (
            to_html(title, text, encoding),
            *rng.pick(&["html", "htm", "shtml"]),
        )
    } else {
        (text.to_string(), "txt")
    };
    let (month, day) = (1 + rng.below(12), 1 + rng.below(28));
    let rel = format!("{site}/{column}/{published}/t{published}{month:02}{day:02}_{i}.{ext}");
    GenFile {
        rel,
        bytes: encode_text(&body, encoding),
    }
}

/// A byte-identical copy of an earlier file under a mirror site's path.
fn duplicate_of_earlier(
    out: &Path,
    written: &[String],
    i: usize,
    rng: &mut Rng,
) -> Result<GenFile, GenError> {
    let original = rng.pick(written);
    let path = out.join(original);
    let bytes = fs::read(&path).map_err(|source| GenError::Io { path, source })?;
    let name = original.rsplit('/').next().unwrap_or("copy.txt");
    Ok(GenFile {
        rel: format!("mirror.gov.cn/copy/{i}/{name}"),
        bytes,
    })
}

fn write_file(out: &Path, file: &GenFile) -> Result<(), GenError> {
    let path = out.join(&file.rel);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|source| GenError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    fs::write(&path, &file.bytes).map_err(|source| GenError::Io { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_spread() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let mut r = Rng::new(0);
        let hits = (0..10_000).filter(|_| r.chance(0.25)).count();
        assert!((2_000..3_000).contains(&hits), "{hits}");
    }

    /// With `layouts`, text reports come in the layouts crawlers leave (not only tabs), the
    /// same seed still writes the same bytes, and HTML files and the other draws are those of
    /// the corpus without it.
    #[test]
    fn layouts_corpus_is_messy_and_reproducible() {
        let dir = tempfile::tempdir().unwrap();
        let gen_into = |name: &str, layouts: bool| {
            let out = dir.path().join(name);
            let summary = generate(&GenOptions {
                out: out.clone(),
                files: 80,
                seed: 5,
                layouts,
            })
            .unwrap();
            let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(&out)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| {
                    let name = e.path().strip_prefix(&out).unwrap().display().to_string();
                    (name, fs::read(e.path()).unwrap())
                })
                .collect();
            files.sort();
            (summary, files)
        };
        let (plain_summary, plain) = gen_into("plain", false);
        let (messy_summary, messy) = gen_into("messy", true);
        let (_, again) = gen_into("again", true);
        assert_eq!(messy, again, "same seed, same bytes");
        assert_eq!(plain_summary.reports, messy_summary.reports);
        assert_eq!(plain_summary.html, messy_summary.html);
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let utf8_txt =
            |f: &&(String, Vec<u8>)| f.0.ends_with(".txt") && std::str::from_utf8(&f.1).is_ok();
        let messy_txt: Vec<String> = messy.iter().filter(utf8_txt).map(|f| text(&f.1)).collect();
        // Tab rows are the plain corpus's layout; other layouts write pipes, U+3000 or
        // one cell per line instead.
        assert!(
            messy_txt
                .iter()
                .any(|t| t.contains(" | ") || t.contains('|'))
        );
        let tabbed = |files: &[(String, Vec<u8>)]| {
            files
                .iter()
                .filter(utf8_txt)
                .filter(|f| text(&f.1).contains('\t'))
                .count()
        };
        assert!(
            tabbed(&messy) < tabbed(&plain),
            "{} vs {}",
            tabbed(&messy),
            tabbed(&plain)
        );
    }

    #[test]
    fn same_seed_same_corpus() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let s1 = generate(&GenOptions {
            out: a.clone(),
            files: 60,
            seed: 3,
            layouts: false,
        })
        .unwrap();
        let s2 = generate(&GenOptions {
            out: b.clone(),
            files: 60,
            seed: 3,
            layouts: false,
        })
        .unwrap();
        assert_eq!(s1, s2);
        assert_eq!(s1.files, 60);
        let list = |d: &Path| {
            let mut v: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(d)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| {
                    (
                        e.path().strip_prefix(d).unwrap().display().to_string(),
                        fs::read(e.path()).unwrap(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(list(&a), list(&b));
    }
}
