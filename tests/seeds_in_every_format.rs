//! The same report must give the same facts whatever it is published as.
//!
//! Each seed of `data/sample/` (a plain-text crawl dump) is re-published as agencies publish
//! it: a UTF-8 web page whose statistics are a real `<table>` with the official form's
//! rowspan/colspan, the same page in GB2312, a Word file with `w:gridSpan`/`w:vMerge`, a PDF
//! printed from that Word file (those four are built by `tests/fixtures/crawl/make.py` and
//! committed), and the plain text itself re-encoded as GB18030, UTF-16LE with and without a
//! byte-order mark, and Big5 (converted to traditional characters first, as a Big5 mirror
//! is). Every variant goes through [`process_bytes`]; its (indicator, value) facts, agency and
//! year must equal those of the original seed, and the facts must equal the hand-written
//! `tests/data/sample_expected.tsv`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use xxgk::knowledge::Knowledge;
use xxgk::model::Status;
use xxgk::pipeline::{Processed, process_bytes};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn knowledge() -> &'static Knowledge {
    static K: OnceLock<Knowledge> = OnceLock::new();
    K.get_or_init(Knowledge::embedded)
}

fn seed_path(stem: &str) -> PathBuf {
    root().join("data/sample").join(format!("{stem}.txt"))
}

fn fixture(name: &str) -> Vec<u8> {
    let path = root().join("tests/fixtures/crawl/seeds").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (indicator, value) with the value as written in the expectation file (`null` for blank).
type Fact = (String, String);

fn fmt_value(v: Option<f64>) -> String {
    match v {
        None => "null".to_string(),
        Some(v) if v.fract() == 0.0 => format!("{}", v as i64),
        Some(v) => v.to_string(),
    }
}

fn facts(p: &Processed) -> BTreeSet<Fact> {
    p.record
        .facts
        .iter()
        .map(|f| (f.indicator.clone(), fmt_value(f.value)))
        .collect()
}

/// The facts of one seed in `tests/data/sample_expected.tsv`, written by hand.
fn expected_facts(stem: &str) -> BTreeSet<Fact> {
    let text = std::fs::read_to_string(root().join("tests/data/sample_expected.tsv"))
        .expect("sample_expected.tsv");
    let file = format!("{stem}.txt");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t"))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f.len() >= 3 && f[0] == file)
        .map(|f| (f[1].to_string(), f[2].to_string()))
        .collect()
}

fn original(stem: &str) -> Processed {
    let bytes = std::fs::read(seed_path(stem)).expect("seed");
    process_bytes(&format!("{stem}.txt"), &bytes, knowledge())
}

fn seed_text(stem: &str) -> String {
    std::fs::read_to_string(seed_path(stem)).expect("seed is UTF-8")
}

fn utf16le(text: &str, bom: bool) -> Vec<u8> {
    let mut out = if bom { vec![0xff, 0xfe] } else { Vec::new() };
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

/// The seed as a Big5 mirror serves it: simplified → traditional characters in the Taiwan
/// standard forms Big5 holds (OpenCC s2tw: 為 眾 群, not OpenCC's 爲 衆 羣), the no-break space
/// (absent from Big5) as a space, then Big5. Characters Big5 still cannot encode would be
/// written as `&#NNNN;` by the encoder: there must be none, or the test would compare a
/// damaged text.
fn big5(text: &str) -> Vec<u8> {
    let cc = OpenCC::from_config(BuiltinConfig::S2tw).expect("s2tw dictionaries");
    let traditional = cc.convert(&text.replace('\u{a0}', " "));
    let (bytes, _, unmappable) = encoding_rs::BIG5.encode(&traditional);
    if unmappable {
        let missing: String = traditional
            .chars()
            .filter(|c| {
                let mut buf = [0u8; 4];
                encoding_rs::BIG5.encode(c.encode_utf8(&mut buf)).2
            })
            .collect();
        panic!("Big5 cannot encode {missing:?} even in traditional form");
    }
    bytes.into_owned()
}

/// A variant of a seed: its bytes, the name it is processed under, the encoding expected.
struct Variant {
    name: String,
    bytes: Vec<u8>,
    encoding: Option<&'static str>,
}

fn variant(stem: &str, kind: &str) -> Variant {
    let text = || seed_text(stem);
    let (ext, bytes, encoding) = match kind {
        "txt" => ("txt", text().into_bytes(), Some("UTF-8")),
        "html" => ("html", fixture(&format!("{stem}.html")), Some("UTF-8")),
        "gb2312_html" => (
            "html",
            fixture(&format!("{stem}.gb2312.html")),
            Some("GB18030"),
        ),
        "docx" => ("docx", fixture(&format!("{stem}.docx")), None),
        "pdf" => ("pdf", fixture(&format!("{stem}.pdf")), None),
        "gb18030_txt" => (
            "txt",
            encoding_rs::GB18030.encode(&text()).0.into_owned(),
            Some("GB18030"),
        ),
        "utf16le_bom_txt" => ("txt", utf16le(&text(), true), Some("UTF-16LE")),
        "utf16le_txt" => ("txt", utf16le(&text(), false), Some("UTF-16LE")),
        "big5_txt" => ("txt", big5(&text()), Some("Big5")),
        other => panic!("unknown variant {other}"),
    };
    Variant {
        name: format!("{stem}.{ext}"),
        bytes,
        encoding,
    }
}

fn pdftotext_available() -> bool {
    std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok()
}

/// Lists the differences of two fact sets, one per line, for a readable failure.
fn diff(want: &BTreeSet<Fact>, got: &BTreeSet<Fact>) -> String {
    let missing: Vec<String> = want
        .difference(got)
        .map(|(i, v)| format!("  missing {i} = {v}"))
        .collect();
    let extra: Vec<String> = got
        .difference(want)
        .map(|(i, v)| format!("  extra   {i} = {v}"))
        .collect();
    [missing, extra].concat().join("\n")
}

/// Processes one variant of a seed, checking what does not depend on the extractor: it is
/// read as a report, in the expected encoding.
fn process_variant(stem: &str, kind: &str) -> Option<Processed> {
    if kind == "pdf" && !pdftotext_available() {
        eprintln!("SKIPPED: pdftotext not installed (apt-get install poppler-utils)");
        return None;
    }
    let v = variant(stem, kind);
    let got = process_bytes(&v.name, &v.bytes, knowledge());
    let r = &got.record;
    assert!(
        matches!(r.status, Status::Ok | Status::Partial),
        "{stem} as {kind}: status {} ({:?})",
        r.status,
        r.reason
    );
    assert_eq!(
        r.encoding.as_deref(),
        v.encoding,
        "{stem} as {kind}: encoding"
    );
    Some(got)
}

/// The variant gives exactly the original seed's facts, agency and year.
fn same_as_original(stem: &str, kind: &str) {
    let Some(got) = process_variant(stem, kind) else {
        return;
    };
    let orig = original(stem);
    assert!(!orig.record.facts.is_empty(), "{stem}: original has facts");
    assert_eq!(
        facts(&got),
        facts(&orig),
        "{stem} as {kind}: facts differ from the original's:\n{}",
        diff(&facts(&orig), &facts(&got))
    );
    assert_eq!(
        (&got.record.identity.agency, got.record.identity.year),
        (&orig.record.identity.agency, orig.record.identity.year),
        "{stem} as {kind}: agency/year"
    );
}

/// The variant gives exactly the facts written by hand for the seed.
fn as_hand_written(stem: &str, kind: &str) {
    let Some(got) = process_variant(stem, kind) else {
        return;
    };
    let want = expected_facts(stem);
    assert!(!want.is_empty(), "{stem}: no hand-written facts");
    assert_eq!(
        facts(&got),
        want,
        "{stem} as {kind}: facts differ from the hand-written ones:\n{}",
        diff(&want, &facts(&got))
    );
}

/// One test per (seed, format) and per comparison, so that a known extractor difference is
/// ignored alone, with its reason, and every other pair keeps being asserted.
macro_rules! seed_tests {
    ($check:ident { $($name:ident: $stem:literal, $kind:literal $(, $why:literal)?;)* }) => {
        mod $check {
            $(
                #[test]
                $(#[ignore = $why])?
                fn $name() {
                    super::$check($stem, $kind);
                }
            )*
        }
    };
}

seed_tests!(same_as_original {
    s000_html: "000_3ea8ee1128555582", "html";
    s000_gb2312_html: "000_3ea8ee1128555582", "gb2312_html";
    s000_docx: "000_3ea8ee1128555582", "docx";
    s000_pdf: "000_3ea8ee1128555582", "pdf";
    s000_gb18030_txt: "000_3ea8ee1128555582", "gb18030_txt";
    s000_utf16le_bom_txt: "000_3ea8ee1128555582", "utf16le_bom_txt";
    s000_utf16le_txt: "000_3ea8ee1128555582", "utf16le_txt";
    s000_big5_txt: "000_3ea8ee1128555582", "big5_txt";

    s001_html: "001_8ce2c52a2533517f", "html";
    s001_gb2312_html: "001_8ce2c52a2533517f", "gb2312_html";
    s001_docx: "001_8ce2c52a2533517f", "docx";
    s001_pdf: "001_8ce2c52a2533517f", "pdf";
    s001_gb18030_txt: "001_8ce2c52a2533517f", "gb18030_txt";
    s001_utf16le_bom_txt: "001_8ce2c52a2533517f", "utf16le_bom_txt";
    s001_utf16le_txt: "001_8ce2c52a2533517f", "utf16le_txt";
    s001_big5_txt: "001_8ce2c52a2533517f", "big5_txt";

    s002_html: "002_2d814c7af621a11d", "html";
    s002_gb2312_html: "002_2d814c7af621a11d", "gb2312_html";
    s002_docx: "002_2d814c7af621a11d", "docx";
    s002_pdf: "002_2d814c7af621a11d", "pdf";
    s002_gb18030_txt: "002_2d814c7af621a11d", "gb18030_txt";
    s002_utf16le_bom_txt: "002_2d814c7af621a11d", "utf16le_bom_txt";
    s002_utf16le_txt: "002_2d814c7af621a11d", "utf16le_txt";
    s002_big5_txt: "002_2d814c7af621a11d", "big5_txt";

    s003_html: "003_32627ba4512e0993", "html";
    s003_gb2312_html: "003_32627ba4512e0993", "gb2312_html";
    s003_docx: "003_32627ba4512e0993", "docx";
    s003_pdf: "003_32627ba4512e0993", "pdf", "extractor (layout.rs, PDF): in this PDF's 3-character-wide label columns the rowspan label and the row label share one segment and interleave on every wrapped line (`（三） 1.属于` / `不予公 国家秘` / `开 密`), so the first row under （三）（四）（五）（六） is not recognised (35 facts of 表三)";
    s003_gb18030_txt: "003_32627ba4512e0993", "gb18030_txt";
    s003_utf16le_bom_txt: "003_32627ba4512e0993", "utf16le_bom_txt";
    s003_utf16le_txt: "003_32627ba4512e0993", "utf16le_txt";
    s003_big5_txt: "003_32627ba4512e0993", "big5_txt";

    s004_html: "004_028974a2b2ad95f8", "html";
    s004_gb2312_html: "004_028974a2b2ad95f8", "gb2312_html";
    s004_docx: "004_028974a2b2ad95f8", "docx";
    s004_pdf: "004_028974a2b2ad95f8", "pdf";
    s004_gb18030_txt: "004_028974a2b2ad95f8", "gb18030_txt";
    s004_utf16le_bom_txt: "004_028974a2b2ad95f8", "utf16le_bom_txt";
    s004_utf16le_txt: "004_028974a2b2ad95f8", "utf16le_txt";
    s004_big5_txt: "004_028974a2b2ad95f8", "big5_txt";
});

seed_tests!(as_hand_written {
    s000_txt: "000_3ea8ee1128555582", "txt";
    s000_html: "000_3ea8ee1128555582", "html";
    s000_gb2312_html: "000_3ea8ee1128555582", "gb2312_html";
    s000_docx: "000_3ea8ee1128555582", "docx";
    s000_pdf: "000_3ea8ee1128555582", "pdf";
    s000_gb18030_txt: "000_3ea8ee1128555582", "gb18030_txt";
    s000_utf16le_bom_txt: "000_3ea8ee1128555582", "utf16le_bom_txt";
    s000_utf16le_txt: "000_3ea8ee1128555582", "utf16le_txt";
    s000_big5_txt: "000_3ea8ee1128555582", "big5_txt";

    s001_txt: "001_8ce2c52a2533517f", "txt";
    s001_html: "001_8ce2c52a2533517f", "html";
    s001_gb2312_html: "001_8ce2c52a2533517f", "gb2312_html";
    s001_docx: "001_8ce2c52a2533517f", "docx";
    s001_pdf: "001_8ce2c52a2533517f", "pdf";
    s001_gb18030_txt: "001_8ce2c52a2533517f", "gb18030_txt";
    s001_utf16le_bom_txt: "001_8ce2c52a2533517f", "utf16le_bom_txt";
    s001_utf16le_txt: "001_8ce2c52a2533517f", "utf16le_txt";
    s001_big5_txt: "001_8ce2c52a2533517f", "big5_txt";

    s002_txt: "002_2d814c7af621a11d", "txt";
    s002_html: "002_2d814c7af621a11d", "html";
    s002_gb2312_html: "002_2d814c7af621a11d", "gb2312_html";
    s002_docx: "002_2d814c7af621a11d", "docx";
    s002_pdf: "002_2d814c7af621a11d", "pdf";
    s002_gb18030_txt: "002_2d814c7af621a11d", "gb18030_txt";
    s002_utf16le_bom_txt: "002_2d814c7af621a11d", "utf16le_bom_txt";
    s002_utf16le_txt: "002_2d814c7af621a11d", "utf16le_txt";
    s002_big5_txt: "002_2d814c7af621a11d", "big5_txt";

    s003_txt: "003_32627ba4512e0993", "txt";
    s003_html: "003_32627ba4512e0993", "html";
    s003_gb2312_html: "003_32627ba4512e0993", "gb2312_html";
    s003_docx: "003_32627ba4512e0993", "docx";
    s003_pdf: "003_32627ba4512e0993", "pdf", "extractor (layout.rs, PDF): in this PDF's 3-character-wide label columns the rowspan label and the row label share one segment and interleave on every wrapped line (`（三） 1.属于` / `不予公 国家秘` / `开 密`), so the first row under （三）（四）（五）（六） is not recognised (35 facts of 表三)";
    s003_gb18030_txt: "003_32627ba4512e0993", "gb18030_txt";
    s003_utf16le_bom_txt: "003_32627ba4512e0993", "utf16le_bom_txt";
    s003_utf16le_txt: "003_32627ba4512e0993", "utf16le_txt";
    s003_big5_txt: "003_32627ba4512e0993", "big5_txt";

    s004_txt: "004_028974a2b2ad95f8", "txt";
    s004_html: "004_028974a2b2ad95f8", "html";
    s004_gb2312_html: "004_028974a2b2ad95f8", "gb2312_html";
    s004_docx: "004_028974a2b2ad95f8", "docx";
    s004_pdf: "004_028974a2b2ad95f8", "pdf";
    s004_gb18030_txt: "004_028974a2b2ad95f8", "gb18030_txt";
    s004_utf16le_bom_txt: "004_028974a2b2ad95f8", "utf16le_bom_txt";
    s004_utf16le_txt: "004_028974a2b2ad95f8", "utf16le_txt";
    s004_big5_txt: "004_028974a2b2ad95f8", "big5_txt";
});

/// The HTML of seed 003 carries the official spans of 表三 (so the tests above exercise span
/// expansion, not a flat grid): the corner cell spans 3×3, 申请人情况 7 columns,
/// 法人或其他组织 5, 三、本年度办理结果 22 rows and （三）不予公开 8.
#[test]
fn seed_003_html_has_the_official_spans() {
    let page = String::from_utf8(fixture("003_32627ba4512e0993.html")).expect("UTF-8");
    for cell in [
        "<td colspan=\"3\" rowspan=\"3\">（本列数据的勾稽关系为",
        "<td colspan=\"7\">申请人情况</td>",
        "<td colspan=\"5\">法人或其他组织</td>",
        "<td rowspan=\"22\">三、本年度办理结果</td>",
        "<td rowspan=\"8\">（三）不予公开</td>",
        "<td colspan=\"5\">行政复议</td>",
    ] {
        assert!(page.contains(cell), "{cell} missing from the page");
    }
    let gb = fixture("003_32627ba4512e0993.gb2312.html");
    assert!(
        std::str::from_utf8(&gb).is_err(),
        "GB2312 page is not UTF-8"
    );
    assert!(gb.windows(15).any(|w| w == b"charset=\"gb2312"));
}
