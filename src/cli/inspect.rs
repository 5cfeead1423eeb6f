//! `xxgk inspect FILE`: what was read from one file, and where. How a user audits a number.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use crate::document::text::display_width;
use crate::knowledge::Knowledge;
use crate::panel::{Measure, PanelRules, RATES};
use crate::pipeline::{self, Processed};

/// Arguments of `inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The file to read.
    pub file: PathBuf,
    /// Also print the document text with line numbers (the lines facts point to).
    #[arg(long)]
    pub text: bool,
    /// Also print the table grids found in the document, cell by cell with their lines.
    #[arg(long)]
    pub tables: bool,
}

/// Prints the report; returns the exit code.
pub fn execute(args: InspectArgs) -> i32 {
    let k = Knowledge::embedded();
    let entries = pipeline::walk(&args.file);
    let Some(entry) = entries.first() else {
        eprintln!("xxgk: {} is not a file", args.file.display());
        return 2;
    };
    if !args.file.is_file() {
        eprintln!("xxgk: {} is not a file", args.file.display());
        return 2;
    }
    let p = pipeline::process_entry(entry, &k, pipeline::DEFAULT_MAX_FILE_BYTES);
    print!("{}", render(&p, &k.panel, args.text));
    if args.tables {
        print!("{}", render_tables(&p));
    }
    0
}

/// Renders the inspection report as text.
pub fn render(p: &Processed, panel: &PanelRules, with_text: bool) -> String {
    let r = &p.record;
    let id = &r.identity;
    let mut s = String::new();
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "–".to_string());
    let _ = writeln!(s, "file        {}", r.source_path);
    let _ = writeln!(
        s,
        "report_id   {}   format {}   encoding {}",
        r.report_id,
        r.format,
        opt(&r.encoding)
    );
    let _ = writeln!(
        s,
        "status      {}{}",
        r.status,
        r.reason
            .as_ref()
            .map(|x| format!(" ({x})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "agency      {}   (as written: {})",
        opt(&id.agency),
        opt(&id.agency_raw)
    );
    let _ = writeln!(
        s,
        "region      {} / {} / {}   code {}   level {}",
        opt(&id.province),
        opt(&id.city),
        opt(&id.county),
        opt(&id.division_code),
        id.level.as_str()
    );
    let _ = writeln!(
        s,
        "year        {}   published {}   template {}",
        id.year.map_or("–".to_string(), |y| y.to_string()),
        id.published.map_or("–".to_string(), |d| d.to_string()),
        r.template.map_or("–", |t| t.as_str())
    );
    let _ = writeln!(s, "\nfacts ({})", r.facts.len());
    let rows: Vec<Vec<String>> = r
        .facts
        .iter()
        .map(|f| {
            vec![
                f.indicator.clone(),
                f.value.map_or("null".to_string(), |v| v.to_string()),
                format!("{:?}", f.value_raw),
                f.unit.clone(),
                f.method.as_str().to_string(),
                f.line.to_string(),
            ]
        })
        .collect();
    s.push_str(&table(
        &["indicator", "value", "value_raw", "unit", "method", "line"],
        &rows,
    ));
    let _ = writeln!(
        s,
        "\nchecks ({}, {} failed)",
        r.checks.len(),
        r.checks_failed()
    );
    let rows: Vec<Vec<String>> = r
        .checks
        .iter()
        .map(|c| {
            vec![
                c.check.clone(),
                c.expected.to_string(),
                c.actual.to_string(),
                if c.ok { "ok" } else { "FAILED" }.to_string(),
            ]
        })
        .collect();
    s.push_str(&table(&["check", "expected", "actual", "ok"], &rows));
    if !r.facts.is_empty() {
        s.push_str(&render_panel(r, panel));
    }
    if !p.unmapped.is_empty() {
        let _ = writeln!(
            s,
            "\ntable rows with values that match no indicator ({})",
            p.unmapped.len()
        );
        for u in &p.unmapped {
            let _ = writeln!(s, "  {u}");
        }
    }
    if with_text {
        if let Some(doc) = &p.doc {
            let _ = writeln!(s, "\ntext");
            for (i, l) in doc.lines.iter().enumerate() {
                let mark = if doc.is_table_line(i as u32 + 1) {
                    '|'
                } else {
                    ' '
                };
                // Numbered as facts' source_line is: by the line of the decoded text.
                let _ = writeln!(s, "{:>5}{mark} {l}", doc.source_line(i as u32 + 1));
            }
        }
    }
    s
}

/// The report's row of panel.parquet: its harmonized measures and rates (`–`: not stated),
/// so a rate can be traced to the figures above. Failed checks across years are not known
/// for one file alone.
fn render_panel(r: &crate::model::ReportRecord, panel: &PanelRules) -> String {
    let v = panel.values(r.template, &r.facts, r.checks_failed());
    let show = |x: Option<f64>| x.map_or("–".to_string(), |x| x.to_string());
    let mut rows: Vec<Vec<String>> = Measure::ALL
        .iter()
        .map(|m| vec![m.as_str().to_string(), show(v.measures[*m as usize])])
        .collect();
    rows.extend(
        RATES
            .iter()
            .zip(v.rates)
            .map(|(def, x)| vec![def.name.to_string(), show(x)]),
    );
    let mut s = String::from("\npanel (measures harmonized across eras, docs/rates.md)\n");
    s.push_str(&table(&["measure", "value"], &rows));
    s
}

/// An aligned text table (CJK counted double width).
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(display_width(c));
        }
    }
    let mut s = String::new();
    let line = |cells: Vec<&str>, s: &mut String| {
        for (i, c) in cells.iter().enumerate() {
            s.push_str("  ");
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(widths[i].saturating_sub(display_width(c))));
            }
        }
        s.push('\n');
    };
    line(header.to_vec(), &mut s);
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut s);
    }
    s
}

/// Renders the table grids: one line per row, cells separated by ` | `, each with its line.
pub fn render_tables(p: &Processed) -> String {
    let mut s = String::new();
    let Some(doc) = &p.doc else { return s };
    for (i, t) in doc.tables.iter().enumerate() {
        let _ = writeln!(
            s,
            "\ntable {} (lines {}-{})",
            i + 1,
            t.line_span.0,
            t.line_span.1
        );
        for row in &t.rows {
            let cells: Vec<String> = row
                .cells
                .iter()
                .map(|c| format!("{}@{}", c.text, c.line))
                .collect();
            let _ = writeln!(s, "  {}", cells.join(" | "));
        }
    }
    s
}
