//! Turning a generated text into the bytes a crawl would hold: an HTML page with real
//! `<table>` rows, and UTF-8, GB18030 or UTF-16LE-with-BOM encodings.

/// A text encoding of generated files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without BOM.
    Utf8,
    /// GB18030 (what most Chinese government sites served before UTF-8).
    Gb18030,
    /// UTF-16 little endian with a byte order mark (Windows "Unicode" text).
    Utf16Le,
}

/// Encodes text. encoding_rs cannot encode UTF-16, so that one is done by hand.
pub fn encode_text(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Gb18030 => encoding_rs::GB18030.encode(text).0.into_owned(),
        Encoding::Utf16Le => {
            let mut out = Vec::with_capacity(2 + text.len() * 2);
            out.extend_from_slice(&[0xFF, 0xFE]);
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_le_bytes());
            }
            out
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Builds the HTML page: a site header, the title, paragraphs, and every table of the text
/// (lines of tab-separated cells, or one cell per tab-indented line with blank lines between
/// rows) as `<table>` rows.
pub fn to_html(title: &str, text: &str, encoding: Encoding) -> String {
    let charset = if encoding == Encoding::Gb18030 {
        "gb2312"
    } else {
        "utf-8"
    };
    let mut html = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">\n\
<title>{t}</title>\n</head>\n<body>\n<div class=\"nav\">首页 &gt; 政务公开 &gt; 政府信息公开年报</div>\n\
<div class=\"content\">\n<h1>{t}</h1>\n",
        t = escape(title)
    );
    let mut table = TableBuilder::default();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(cell) = line.strip_prefix('\t') {
            table.cell(cell);
        } else if line.trim().is_empty() {
            table.end_row();
        } else if line.contains('\t') {
            table.end_row();
            for cell in line.split('\t') {
                table.cell(cell);
            }
            table.end_row();
        } else {
            html.push_str(&table.finish());
            html.push_str(&format!("<p>{}</p>\n", escape(line.trim())));
        }
    }
    html.push_str(&table.finish());
    html.push_str("</div>\n<div class=\"footer\">主办单位：政府办公室</div>\n</body>\n</html>\n");
    html
}

#[derive(Default)]
struct TableBuilder {
    rows: Vec<Vec<String>>,
    row: Vec<String>,
}

impl TableBuilder {
    fn cell(&mut self, text: &str) {
        self.row.push(text.trim().to_string());
    }

    fn end_row(&mut self) {
        if !self.row.is_empty() {
            self.rows.push(std::mem::take(&mut self.row));
        }
    }

    fn finish(&mut self) -> String {
        self.end_row();
        if self.rows.is_empty() {
            return String::new();
        }
        let mut out = String::from("<table border=\"1\">\n");
        for row in self.rows.drain(..) {
            out.push_str("<tr>");
            for c in row {
                out.push_str(&format!("<td>{}</td>", escape(&c)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip() {
        let s = "政府信息公开 2017";
        assert_eq!(encode_text(s, Encoding::Utf8), s.as_bytes());
        let gb = encode_text(s, Encoding::Gb18030);
        assert_eq!(encoding_rs::GB18030.decode(&gb).0, s);
        let u16 = encode_text(s, Encoding::Utf16Le);
        assert_eq!(&u16[..2], &[0xFF, 0xFE]);
        assert_eq!(encoding_rs::UTF_16LE.decode(&u16).0, s);
    }

    #[test]
    fn tables_become_rows() {
        let html = to_html(
            "T",
            "前言\n\t指标\n\t单位\n\t数\n\n\t收到申请数\n\t件\n\t3\n\n结尾\na\tb\n",
            Encoding::Utf8,
        );
        assert!(html.contains("<tr><td>指标</td><td>单位</td><td>数</td></tr>"));
        assert!(
            html.contains(
                "<tr><td>收到申请数</td><td>件</td><td>3</td></tr>\n</table>\n<p>结尾</p>"
            )
        );
        assert!(html.contains("<tr><td>a</td><td>b</td></tr>"));
        assert!(html.contains("charset=utf-8"));
    }
}
