//! Text decoding: bytes to a Rust string, with the encoding that was used.
//!
//! Order: byte-order mark, then strict UTF-8, then detection (chardetng) among the legacy
//! encodings Chinese sites use, GB18030 standing in for GBK and GB2312 (it is their superset).

use encoding_rs::{Encoding, GB18030, UTF_8};

/// Decoded text, the encoding's name, and how many characters could not be decoded.
#[derive(Debug, Clone)]
pub struct Text {
    /// The decoded text.
    pub text: String,
    /// Encoding name as written to reports.parquet.
    pub encoding: String,
    /// Number of U+FFFD replacement characters produced by decoding.
    pub replaced: usize,
}

/// Decodes bytes of unknown encoding.
pub fn decode_text(bytes: &[u8]) -> Text {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(enc, &bytes[bom_len..]);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Text { text: s.to_string(), encoding: "UTF-8".to_string(), replaced: 0 };
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    let enc = if enc == encoding_rs::GBK { GB18030 } else { enc };
    decode_with(enc, bytes)
}

/// Decodes with a known encoding (GBK and GB2312 are read as GB18030).
pub fn decode_with(enc: &'static Encoding, bytes: &[u8]) -> Text {
    let enc = if enc == encoding_rs::GBK { GB18030 } else { enc };
    let (cow, _) = enc.decode_without_bom_handling(bytes);
    let replaced = cow.chars().filter(|&c| c == '\u{fffd}').count();
    let name = if enc == UTF_8 { "UTF-8".to_string() } else { enc.name().to_string() };
    Text { text: cow.into_owned(), encoding: name, replaced }
}

/// A cheap test for "this is text, not binary": no NUL bytes in the head, or a UTF-16 BOM.
pub fn looks_like_text(head: &[u8]) -> bool {
    Encoding::for_bom(head).is_some() || !head.contains(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_gbk_and_bom() {
        assert_eq!(decode_text("政府".as_bytes()).encoding, "UTF-8");
        let (gbk, _, _) = GB18030.encode("政府信息公开工作年度报告");
        let t = decode_text(&gbk);
        assert_eq!(t.text, "政府信息公开工作年度报告");
        assert_eq!(t.encoding, "gb18030");
        let mut u16le = vec![0xff, 0xfe];
        for u in "政府".encode_utf16() {
            u16le.extend_from_slice(&u.to_le_bytes());
        }
        let t = decode_text(&u16le);
        assert_eq!((t.text.as_str(), t.encoding.as_str()), ("政府", "UTF-16LE"));
    }
}
