//! `xxgk rates OUT [--by province,year] [--format table|csv|json] [--html FILE [--region R]]`:
//! pooled disclosure and correction rates from a dataset's panel.parquet.
//!
//! A pooled rate is the sum of the numerators over the sum of the denominators of the
//! reports of a group that state both ([`crate::panel::pool`]); each figure comes with the
//! number of reports behind it and how many stated its denominator. The panel is read from
//! `OUT` whole, in shards or in partitions; rows are put back in panel order before summing,
//! so the output does not depend on how the dataset was split.

mod html;

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::panel::{MEASURE_COUNT, Measure, Measures, Pooled, RATES, pool};
use crate::sink::SinkError;
use crate::sink::read::{Batch, read_batches, table_parts};

/// A column reports can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ByArg {
    /// Province.
    Province,
    /// Prefecture-level city.
    City,
    /// County-level division.
    County,
    /// Tier of the agency.
    Level,
    /// Statistical year.
    Year,
    /// Template era.
    Template,
    /// Agency.
    Agency,
}

impl ByArg {
    fn as_str(self) -> &'static str {
        match self {
            ByArg::Province => "province",
            ByArg::City => "city",
            ByArg::County => "county",
            ByArg::Level => "level",
            ByArg::Year => "year",
            ByArg::Template => "template",
            ByArg::Agency => "agency",
        }
    }
}

/// How the rates are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Aligned columns for a terminal.
    Table,
    /// CSV with a header row (empty cell: no figure).
    Csv,
    /// A JSON array of objects (null: no figure).
    Json,
}

/// Arguments of `rates`.
#[derive(Debug, Args)]
pub struct RatesArgs {
    /// Dataset directory written by `xxgk run` (panel.parquet, its shards or partitions).
    pub out: PathBuf,
    /// Group reports by these columns (province, city, county, level, year, template, agency).
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["province", "year"])]
    pub by: Vec<ByArg>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
    /// Also write a self-contained HTML page (province × year grid, coverage, ranking).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// The region (province, city or county as written in the panel) whose agencies the page
    /// ranks; default: the province with most reports.
    #[arg(long)]
    pub region: Option<String>,
}

/// One row of panel.parquet as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelEntry {
    pub agency: Option<String>,
    pub year: Option<i16>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub county: Option<String>,
    pub level: Option<String>,
    pub template: Option<String>,
    pub report_id: Option<String>,
    pub source_path: Option<String>,
    pub measures: Measures,
}

/// A part of a group key: text, or a year (which sorts as a number).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyPart {
    /// A string column; `None` for null.
    Text(Option<String>),
    /// The year; `None` for null.
    Year(Option<i16>),
}

impl KeyPart {
    /// The value as text, `None` for null.
    pub fn text(&self) -> Option<String> {
        match self {
            KeyPart::Text(t) => t.clone(),
            KeyPart::Year(y) => y.map(|y| y.to_string()),
        }
    }
}

impl PanelEntry {
    /// The value of a grouping column.
    fn key(&self, by: ByArg) -> KeyPart {
        let text = |s: &Option<String>| KeyPart::Text(s.clone());
        match by {
            ByArg::Province => text(&self.province),
            ByArg::City => text(&self.city),
            ByArg::County => text(&self.county),
            ByArg::Level => text(&self.level),
            ByArg::Template => text(&self.template),
            ByArg::Agency => text(&self.agency),
            ByArg::Year => KeyPart::Year(self.year),
        }
    }

    /// Panel order: agency, year, report_id, source_path.
    fn order(&self) -> impl Ord + '_ {
        (&self.agency, self.year, &self.report_id, &self.source_path)
    }
}

/// Why `rates` could not read a dataset.
#[derive(Debug, thiserror::Error)]
pub enum RatesError {
    /// No panel table in the directory.
    #[error("{0}: no panel.parquet (run `xxgk run CORPUS -o DIR` first)")]
    NoPanel(PathBuf),
    /// A file could not be read.
    #[error(transparent)]
    Read(#[from] SinkError),
}

/// Reads every row of table `stem` of `dir`, file by file.
fn for_each_batch(
    dir: &std::path::Path,
    stem: &str,
    mut f: impl FnMut(&Batch<'_>),
) -> Result<usize, RatesError> {
    let files = table_parts(dir, stem);
    for file in &files {
        for batch in read_batches(&file.path)? {
            f(&Batch {
                batch: &batch,
                file,
            });
        }
    }
    Ok(files.len())
}

/// Reads panel.parquet of `dir` (whole, shards or partitions), in panel order.
pub fn read_panel(dir: &std::path::Path) -> Result<Vec<PanelEntry>, RatesError> {
    let mut out = Vec::new();
    let files = for_each_batch(dir, "panel", |b| {
        let s = |name: &str| b.strings(name);
        let (agency, province, city, county) = (s("agency"), s("province"), s("city"), s("county"));
        let (level, template, ids, paths) =
            (s("level"), s("template"), s("report_id"), s("source_path"));
        let years = b.int16s("year");
        let columns: Vec<Vec<Option<f64>>> =
            Measure::ALL.iter().map(|m| b.floats(m.as_str())).collect();
        for i in 0..b.len() {
            let mut measures: Measures = [None; MEASURE_COUNT];
            for (m, col) in measures.iter_mut().zip(&columns) {
                *m = col[i];
            }
            out.push(PanelEntry {
                agency: agency[i].clone(),
                year: years[i],
                province: province[i].clone(),
                city: city[i].clone(),
                county: county[i].clone(),
                level: level[i].clone(),
                template: template[i].clone(),
                report_id: ids[i].clone(),
                source_path: paths[i].clone(),
                measures,
            });
        }
    })?;
    if files == 0 {
        return Err(RatesError::NoPanel(dir.to_path_buf()));
    }
    out.sort_by(|a, b| a.order().cmp(&b.order()));
    Ok(out)
}

/// A count per (province, year).
pub type ByProvinceYear = std::collections::BTreeMap<(Option<String>, Option<i16>), usize>;

/// Reports kept in the dataset that are `partial`, by (province, year), from reports.parquet.
pub fn read_partial(dir: &std::path::Path) -> Result<ByProvinceYear, RatesError> {
    let mut out = std::collections::BTreeMap::new();
    for_each_batch(dir, "reports", |b| {
        let (status, facts) = (b.strings("status"), b.int32s("facts"));
        let (province, year) = (b.strings("province"), b.int16s("year"));
        for i in 0..b.len() {
            if status[i].as_deref() == Some("partial") && facts[i] > 0 {
                *out.entry((province[i].clone(), year[i])).or_default() += 1;
            }
        }
    })?;
    Ok(out)
}

/// The pooled rates of `entries` grouped by `by`.
pub fn pooled(entries: &[PanelEntry], by: &[ByArg]) -> Vec<Pooled<Vec<KeyPart>>> {
    pool(
        entries
            .iter()
            .map(|e| (by.iter().map(|b| e.key(*b)).collect(), &e.measures)),
    )
}

/// Runs `rates`; returns the exit code.
pub fn execute(args: RatesArgs) -> i32 {
    let mut by: Vec<ByArg> = Vec::new();
    for b in &args.by {
        if !by.contains(b) {
            by.push(*b);
        }
    }
    let entries = match read_panel(&args.out) {
        Ok(e) => e,
        Err(e @ RatesError::NoPanel(_)) => {
            eprintln!("xxgk: {e}");
            return 2;
        }
        Err(e) => {
            eprintln!("xxgk: {e}");
            return 1;
        }
    };
    let groups = pooled(&entries, &by);
    let text = match args.format {
        FormatArg::Table => table(&groups, &by),
        FormatArg::Csv => csv(&groups, &by),
        FormatArg::Json => json(&groups, &by),
    };
    if let Some(path) = &args.html {
        let partial = match read_partial(&args.out) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("xxgk: {e}");
                return 1;
            }
        };
        let page = html::page(&entries, &partial, args.region.as_deref());
        if let Err(e) = write_atomically(path, page.as_bytes()) {
            eprintln!("xxgk: cannot write {}: {e}", path.display());
            return 1;
        }
        eprintln!("xxgk: wrote {}", path.display());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("xxgk: {e}");
            1
        }
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "rates.html".into());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// A number as Rust prints it: the shortest text that reads back as the same f64.
fn number(v: f64) -> String {
    format!("{v}")
}

/// The columns of a pooled row after its keys: `reports`, then per rate its value,
/// numerator, denominator, reports behind it and reports stating the denominator.
fn header(by: &[ByArg]) -> Vec<String> {
    let mut h: Vec<String> = by.iter().map(|b| b.as_str().to_string()).collect();
    h.push("reports".into());
    for r in RATES {
        for suffix in ["", "_numerator", "_denominator", "_reports", "_stated"] {
            h.push(format!("{}{suffix}", r.name));
        }
    }
    h
}

/// A pooled row's values after its keys, `None` for no figure, as (text, is a number).
fn values(g: &Pooled<Vec<KeyPart>>) -> Vec<Option<String>> {
    let mut v = vec![Some(g.reports.to_string())];
    for r in &g.rates {
        let used = r.reports > 0;
        v.push(r.rate().map(number));
        v.push(used.then(|| number(r.numerator)));
        v.push(used.then(|| number(r.denominator)));
        v.push(Some(r.reports.to_string()));
        v.push(Some(r.stated.to_string()));
    }
    v
}

/// CSV: a header row, one row per group; a missing figure is an empty cell.
pub fn csv(groups: &[Pooled<Vec<KeyPart>>], by: &[ByArg]) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = header(by).join(",");
    out.push('\n');
    for g in groups {
        let cells: Vec<String> = g
            .key
            .iter()
            .map(KeyPart::text)
            .chain(values(g))
            .map(|c| c.as_deref().map(field).unwrap_or_default())
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// JSON: an array of one object per group (keys as in the CSV header; null: no figure).
pub fn json(groups: &[Pooled<Vec<KeyPart>>], by: &[ByArg]) -> String {
    let names = header(by);
    let mut rows = Vec::new();
    for g in groups {
        let keys = g.key.iter().map(|k| match k {
            KeyPart::Text(t) => t.as_deref().map(json_string),
            KeyPart::Year(y) => y.map(|y| y.to_string()),
        });
        let fields: Vec<String> = keys
            .chain(values(g))
            .zip(&names)
            .map(|(v, name)| {
                format!(
                    "{}: {}",
                    json_string(name),
                    v.unwrap_or_else(|| "null".into())
                )
            })
            .collect();
        rows.push(format!("  {{{}}}", fields.join(", ")));
    }
    if rows.is_empty() {
        return "[]\n".into();
    }
    format!("[\n{}\n]\n", rows.join(",\n"))
}

/// Columns a string takes in a terminal (CJK characters take two).
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF => 2,
            0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

/// A rate for a terminal: `42.9% (3/4)`: percent, reports behind it / stating the
/// denominator; `– (0/2)` without a figure.
fn rate_cell(r: &crate::panel::PooledRate) -> String {
    match r.rate() {
        Some(v) => format!("{:.1}% ({}/{})", v * 100.0, r.reports, r.stated),
        None => format!("– ({}/{})", r.reports, r.stated),
    }
}

/// Aligned columns for a terminal, with a legend.
pub fn table(groups: &[Pooled<Vec<KeyPart>>], by: &[ByArg]) -> String {
    let mut head: Vec<String> = by.iter().map(|b| b.as_str().to_string()).collect();
    head.push("reports".into());
    head.extend(RATES.iter().map(|r| r.name.to_string()));
    let mut rows = vec![head];
    for g in groups {
        let mut row: Vec<String> = g
            .key
            .iter()
            .map(|k| k.text().unwrap_or_else(|| "–".into()))
            .collect();
        row.push(g.reports.to_string());
        row.extend(g.rates.iter().map(rate_cell));
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| display_width(&r[c])).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (s, w))| {
                let pad = " ".repeat(w - display_width(s));
                if c < by.len() {
                    format!("{s}{pad}")
                } else {
                    format!("{pad}{s}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str(
        "(n/m): the rate pools n reports that state its numerator and a positive denominator; \
         m state the denominator. docs/rates.md has the definitions.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::Measure::*;

    fn entry(province: Option<&str>, year: i16, granted: f64, handled: f64) -> PanelEntry {
        let mut measures: Measures = [None; MEASURE_COUNT];
        measures[Granted as usize] = Some(granted);
        measures[Partial as usize] = Some(0.0);
        measures[Handled as usize] = Some(handled);
        PanelEntry {
            agency: Some("某局".into()),
            year: Some(year),
            province: province.map(str::to_string),
            city: None,
            county: None,
            level: Some("county".into()),
            template: Some("2021".into()),
            report_id: Some(format!("{granted}{handled}")),
            source_path: None,
            measures,
        }
    }

    #[test]
    fn formats_agree_and_missing_figures_are_empty_or_null() {
        let entries = [
            entry(Some("山东省"), 2021, 1.0, 4.0),
            entry(Some("山东省"), 2021, 2.0, 4.0),
            entry(None, 2009, 0.0, 0.0),
        ];
        let by = [ByArg::Province, ByArg::Year];
        let groups = pooled(&entries, &by);
        // Null keys sort first.
        assert_eq!(groups[0].key[0], KeyPart::Text(None));
        let csv = csv(&groups, &by);
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("province,year,reports,disclosure_rate,"));
        assert!(lines[1].starts_with(",2009,1,,,,0,1,"), "{}", lines[1]);
        assert!(
            lines[2].starts_with("山东省,2021,2,0.375,3,8,2,2,"),
            "{}",
            lines[2]
        );
        let json = json(&groups, &by);
        assert!(json.contains(r#""province": null, "year": 2009"#), "{json}");
        assert!(json.contains(r#""disclosure_rate": 0.375"#), "{json}");
        let table = table(&groups, &by);
        assert!(table.contains("37.5% (2/2)"), "{table}");
        assert!(table.contains("– (0/1)"), "{table}");
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\n"), r#""a\"b\\c\u000a""#);
    }
}
