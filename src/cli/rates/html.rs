//! The page of `xxgk rates --html`: one self-contained HTML file, its charts inline SVG drawn
//! here (no script, no network, no external file), so it opens anywhere and archives as is.
//!
//! Three views: the pooled substantive disclosure rate (实质公开率) by province and year,
//! coloured by value with the reports behind each figure; coverage (reports kept per province
//! and year, and how many of them were partial); and the agencies of one region ranked by
//! their pooled rate over all years.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::PanelEntry;
use crate::panel::{PooledRate, pool};

/// Escapes text for HTML and SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A name of a region, `（未知）` for null.
fn name(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "（未知）".into())
}

/// A colour for a rate in [0, 1]: red through yellow to green.
fn colour(rate: f64) -> String {
    const STOPS: [(f64, [f64; 3]); 3] = [
        (0.0, [215.0, 48.0, 39.0]),
        (0.5, [254.0, 224.0, 139.0]),
        (1.0, [26.0, 152.0, 80.0]),
    ];
    let r = rate.clamp(0.0, 1.0);
    let (lo, hi) = if r <= 0.5 {
        (STOPS[0], STOPS[1])
    } else {
        (STOPS[1], STOPS[2])
    };
    let t = (r - lo.0) / (hi.0 - lo.0);
    let c: Vec<u8> = (0..3)
        .map(|i| (lo.1[i] + (hi.1[i] - lo.1[i]) * t).round() as u8)
        .collect();
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// A blue whose depth grows with `n` out of `max`.
fn shade(n: usize, max: usize) -> String {
    let t = n as f64 / max.max(1) as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(239.0, 33.0),
        mix(243.0, 113.0),
        mix(255.0, 181.0)
    )
}

/// Pixels a label takes (CJK characters are about twice as wide as Latin ones).
fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f64>()
        * size
}

const CELL_W: f64 = 78.0;
const CELL_H: f64 = 40.0;
const HEAD_H: f64 = 26.0;

/// A province × year grid: `cell(province, year)` gives a cell's fill, its two lines of text
/// and its tooltip, or `None` for no reports.
fn grid(
    provinces: &[Option<String>],
    years: &[Option<i16>],
    cell: impl Fn(&Option<String>, Option<i16>) -> Option<(String, String, String, String)>,
) -> String {
    let label_w = provinces
        .iter()
        .map(|p| text_width(&name(p), 13.0))
        .fold(40.0, f64::max)
        + 12.0;
    let width = label_w + CELL_W * years.len() as f64 + 2.0;
    let height = HEAD_H + CELL_H * provinces.len() as f64 + 2.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">"#
    );
    for (j, y) in years.iter().enumerate() {
        let x = label_w + CELL_W * (j as f64 + 0.5);
        let label = y.map_or("–".to_string(), |y| y.to_string());
        let _ = write!(
            s,
            r#"<text x="{x}" y="18" text-anchor="middle" class="head">{label}</text>"#
        );
    }
    for (i, p) in provinces.iter().enumerate() {
        let y0 = HEAD_H + CELL_H * i as f64;
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" class="head">{}</text>"#,
            label_w - 8.0,
            y0 + CELL_H / 2.0 + 5.0,
            esc(&name(p))
        );
        for (j, y) in years.iter().enumerate() {
            let x0 = label_w + CELL_W * j as f64;
            let Some((fill, line1, line2, tip)) = cell(p, *y) else {
                let _ = write!(
                    s,
                    r##"<rect x="{x0}" y="{y0}" width="{CELL_W}" height="{CELL_H}" fill="#ffffff" stroke="#dddddd"/>"##
                );
                continue;
            };
            let cx = x0 + CELL_W / 2.0;
            let _ = write!(
                s,
                r##"<g><title>{}</title><rect x="{x0}" y="{y0}" width="{CELL_W}" height="{CELL_H}" fill="{fill}" stroke="#ffffff"/><text x="{cx}" y="{}" text-anchor="middle" class="v">{}</text><text x="{cx}" y="{}" text-anchor="middle" class="n">{}</text></g>"##,
                esc(&tip),
                y0 + 17.0,
                esc(&line1),
                y0 + 32.0,
                esc(&line2)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// A horizontal gradient legend of the rate colours.
fn legend() -> String {
    let mut s = String::from(r#"<svg width="320" height="34" viewBox="0 0 320 34" role="img">"#);
    for i in 0..50 {
        let _ = write!(
            s,
            r#"<rect x="{}" y="2" width="6" height="14" fill="{}"/>"#,
            10 + i * 6,
            colour(i as f64 / 49.0)
        );
    }
    s.push_str(r#"<text x="10" y="30" class="n">0%</text><text x="160" y="30" text-anchor="middle" class="n">50%</text><text x="310" y="30" text-anchor="end" class="n">100%</text>"#);
    s.push_str("</svg>");
    s
}

/// `1 report`, `3 reports`.
fn reports(n: usize) -> String {
    format!("{n} report{}", if n == 1 { "" } else { "s" })
}

/// The region ranked by default: the province with most reports (the first by name on a tie).
fn default_region(entries: &[PanelEntry]) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in entries {
        if let Some(p) = &e.province {
            *counts.entry(p).or_default() += 1;
        }
    }
    let best = counts.values().copied().max()?;
    counts
        .into_iter()
        .find(|(_, n)| *n == best)
        .map(|(p, _)| p.to_string())
}

/// The agencies of `region` ranked by pooled disclosure rate (no rate last), as a bar chart.
fn ranking(entries: &[PanelEntry], region: &str) -> String {
    let inside = entries.iter().filter(|e| {
        [&e.province, &e.city, &e.county]
            .iter()
            .any(|r| r.as_deref() == Some(region))
    });
    let mut agencies = pool(inside.map(|e| (name(&e.agency), &e.measures)));
    agencies.sort_by(|a, b| {
        let (ra, rb) = (a.rates[0].rate(), b.rates[0].rate());
        rb.is_some()
            .cmp(&ra.is_some())
            .then(rb.partial_cmp(&ra).unwrap_or(std::cmp::Ordering::Equal))
            .then(a.key.cmp(&b.key))
    });
    if agencies.is_empty() {
        return format!("<p>No report of {} in the panel.</p>", esc(region));
    }
    let label_w = agencies
        .iter()
        .map(|a| text_width(&a.key, 13.0))
        .fold(60.0, f64::max)
        + 12.0;
    let (bar_w, row_h) = (360.0, 24.0);
    let width = label_w + bar_w + 150.0;
    let height = row_h * agencies.len() as f64 + 6.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">"#
    );
    for (i, a) in agencies.iter().enumerate() {
        let y0 = 3.0 + row_h * i as f64;
        let r: &PooledRate = &a.rates[0];
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" class="head">{}</text>"#,
            label_w - 8.0,
            y0 + 16.0,
            esc(&a.key)
        );
        let (w, fill, note) = match r.rate() {
            Some(v) => (
                (v.clamp(0.0, 1.0) * bar_w).max(1.0),
                colour(v),
                format!(
                    "{:.1}% · {} of {}",
                    v * 100.0,
                    r.reports,
                    reports(a.reports)
                ),
            ),
            None => (
                bar_w,
                "#eeeeee".to_string(),
                format!("no rate · {}", reports(a.reports)),
            ),
        };
        let _ = write!(
            s,
            r#"<rect x="{label_w}" y="{}" width="{w}" height="{}" fill="{fill}"/><text x="{}" y="{}" class="n">{}</text>"#,
            y0 + 3.0,
            row_h - 6.0,
            label_w + w.min(bar_w) + 6.0,
            y0 + 16.0,
            esc(&note)
        );
    }
    s.push_str("</svg>");
    s
}

/// The whole page.
pub fn page(
    entries: &[PanelEntry],
    partial: &super::ByProvinceYear,
    region: Option<&str>,
) -> String {
    let provinces: Vec<Option<String>> = entries
        .iter()
        .map(|e| e.province.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let years: Vec<Option<i16>> = entries
        .iter()
        .map(|e| e.year)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let cells: BTreeMap<(Option<String>, Option<i16>), crate::panel::Pooled<_>> = pool(
        entries
            .iter()
            .map(|e| ((e.province.clone(), e.year), &e.measures)),
    )
    .into_iter()
    .map(|g| (g.key.clone(), g))
    .collect();
    let rates = grid(&provinces, &years, |p, y| {
        let g = cells.get(&(p.clone(), y))?;
        let r = &g.rates[0];
        let tip = format!(
            "{} {}: {} reports; 实质公开率 over the {} that state 予以公开, 部分公开 and a \
             办理结果总计 above 0 ({} state the total): {} / {}",
            name(p),
            y.map_or("–".into(), |y| y.to_string()),
            g.reports,
            r.reports,
            r.stated,
            r.numerator,
            r.denominator
        );
        Some(match r.rate() {
            Some(v) => (
                colour(v),
                format!("{:.1}%", v * 100.0),
                format!("n={}/{}", r.reports, g.reports),
                tip,
            ),
            None => (
                "#eeeeee".into(),
                "–".into(),
                format!("n=0/{}", g.reports),
                tip,
            ),
        })
    });
    let max = cells.values().map(|g| g.reports).max().unwrap_or(1);
    let coverage = grid(&provinces, &years, |p, y| {
        let g = cells.get(&(p.clone(), y))?;
        let part = partial.get(&(p.clone(), y)).copied().unwrap_or(0);
        Some((
            shade(g.reports, max),
            g.reports.to_string(),
            format!("{part} partial"),
            format!(
                "{} {}: {} reports kept, {part} of them partial",
                name(p),
                y.map_or("–".into(), |y| y.to_string()),
                g.reports
            ),
        ))
    });
    let region = region
        .map(str::to_string)
        .or_else(|| default_region(entries));
    let ranked = match &region {
        Some(r) => ranking(entries, r),
        None => "<p>No report has a province.</p>".to_string(),
    };
    let total_partial: usize = partial.values().sum();
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<title>xxgk rates</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; margin: 24px; color: #222; }}
h1 {{ font-size: 22px; }} h2 {{ font-size: 17px; margin-top: 28px; }}
p {{ max-width: 760px; font-size: 14px; line-height: 1.5; }}
svg text {{ font-family: inherit; }}
.head {{ font-size: 13px; fill: #333; }} .v {{ font-size: 13px; font-weight: bold; fill: #111; }} .n {{ font-size: 11px; fill: #333; }}
</style>
</head>
<body>
<h1>Disclosure rates by province and year</h1>
<p>{reports} reports in the panel ({partials} partial), {nprov} provinces, {nyears} years.
Written by xxgk {version} from panel.parquet; definitions in docs/rates.md.</p>
<h2>实质公开率 (予以公开 + 部分公开) / 办理结果总计</h2>
<p>Pooled over the reports of each cell that state all three figures with a total above 0:
the sum of the numerators over the sum of the denominators. n = reports behind the figure /
reports in the cell; grey: no such report in the cell.</p>
{legend}
<div>{rates}</div>
<h2>Coverage: reports kept per province and year</h2>
<p>Reports whose facts are in the dataset (duplicates left out), and how many of them were
read only in part (status partial in reports.parquet).</p>
<div>{coverage}</div>
<h2>Agencies of {region} ranked by 实质公开率</h2>
<p>Each agency pooled over all its years; the bar is the rate, then the reports behind it.</p>
<div>{ranked}</div>
</body>
</html>
"#,
        reports = entries.len(),
        partials = total_partial,
        nprov = provinces.len(),
        nyears = years.len(),
        version = env!("CARGO_PKG_VERSION"),
        legend = legend(),
        region = esc(region.as_deref().unwrap_or("–")),
    );
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_run_from_red_to_green() {
        assert_eq!(colour(0.0), "#d73027");
        assert_eq!(colour(0.5), "#fee08b");
        assert_eq!(colour(1.0), "#1a9850");
        assert_eq!(colour(7.0), colour(1.0));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("<a&'\">"), "&lt;a&amp;&#39;&quot;&gt;");
    }
}
