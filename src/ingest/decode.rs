//! Text decoding: bytes to a Rust string, with the encoding that was used.
//!
//! Chinese government sites publish in UTF-8, GBK/GB2312 (read as GB18030, their superset),
//! UTF-16 (often without a byte-order mark when exported from Word) and, for mirrors, Big5.
//! Order: byte-order mark, then (HTML) the declared charset, then UTF-16 recognised by its
//! zero bytes, then strict UTF-8, then UTF-16 recognised by its CJK code units, then detection
//! with chardetng, unless the text reads as GB18030 without a single malformed sequence and
//! then says one of the domain's subject words (see `gb18030_by_domain_words`). Encoding
//! names are normalised to `UTF-8`, `GB18030`, `UTF-16LE`, `UTF-16BE`, `Big5` (others keep
//! the WHATWG name).

use std::sync::OnceLock;

use encoding_rs::{BIG5, Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};

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

/// Bytes examined by the statistical tests (UTF-16 shape, charset declaration).
const SAMPLE: usize = 8192;

impl Text {
    /// Why the text is only partly readable (replacement characters), if it is.
    pub fn partial_reason(&self) -> Option<String> {
        (self.replaced > 0).then(|| {
            format!(
                "{} characters could not be decoded as {}",
                self.replaced, self.encoding
            )
        })
    }
}

/// `bytes` as text when they are valid UTF-8: a SIMD check (`simdutf8`), the same verdict as
/// the standard library's at a fraction of its time on Han text, which every input is.
fn valid_utf8(bytes: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(bytes).ok()
}

/// Decodes bytes of unknown encoding.
pub fn decode_text(bytes: &[u8]) -> Text {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(enc, &bytes[bom_len..]);
    }
    if let Some(enc) = utf16_by_zero_bytes(bytes) {
        return decode_with(enc, bytes);
    }
    if let Some(s) = valid_utf8(bytes) {
        return Text {
            text: s.to_string(),
            encoding: "UTF-8".to_string(),
            replaced: 0,
        };
    }
    if let Some(enc) = utf16_by_cjk_units(bytes) {
        return decode_with(enc, bytes);
    }
    if let Some(text) = gb18030_by_domain_words(bytes) {
        return text;
    }
    decode_with(detect_legacy(bytes), bytes)
}

/// The subject words of `data/rules/classify.csv` (信息公开, 政务公开, ...), which every
/// report in the domain says.
fn domain_words() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let name = "rules/classify.csv";
        crate::classify::ClassifyRules::parse(crate::knowledge::data_file(name))
            .subject_words()
            .to_vec()
    })
}

/// GBK/GB18030 text told without chardetng: the bytes decode as GB18030 with no malformed
/// sequence at all, and the decoded text says one of the domain's subject words
/// ([`domain_words`], four ideographs such as 信息公开). Text in Big5, EUC-KR or Shift_JIS
/// mostly decodes as GB18030 too, but into unrelated characters: an exact four-character
/// phrase of the domain does not come out of it. Anything else (a malformed byte, no such
/// word, traditional-character text) is left to chardetng. This is a prior about the corpus
/// (every report says it), not about one document; it spares chardetng's 25 candidate
/// encodings on the bulk of the legacy-encoded files.
fn gb18030_by_domain_words(bytes: &[u8]) -> Option<Text> {
    let text = GB18030.decode_without_bom_handling_and_without_replacement(bytes)?;
    if !domain_words().iter().any(|w| text.contains(w.as_str())) {
        return None;
    }
    // A U+FFFD written in the source (GB18030 has a code for it) counts as decode_with
    // counts it.
    let replaced = text.matches('\u{fffd}').count();
    Some(Text {
        text: text.into_owned(),
        encoding: encoding_name(GB18030),
        replaced,
    })
}

/// Decodes an HTML page: byte-order mark, then the charset declared in its first 2 KB
/// (`<meta charset>` or `http-equiv` content type), then as [`decode_text`]. A page declaring
/// a legacy charset whose bytes are nevertheless valid non-ASCII UTF-8 is read as UTF-8 (a
/// mislabelled page: valid multi-byte UTF-8 is practically never meant as GBK).
pub fn decode_html(bytes: &[u8]) -> Text {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(enc, &bytes[bom_len..]);
    }
    if let Some(enc) = declared_charset(&bytes[..bytes.len().min(2048)]) {
        let utf8 = valid_utf8(bytes);
        if enc == UTF_8 && utf8.is_none() {
            return decode_text(bytes);
        }
        if let Some(text) = utf8
            && enc != UTF_8
            && !bytes.is_ascii()
        {
            return utf8_text(text);
        }
        let text = match utf8 {
            // What decode_with(UTF_8, bytes) returns, without validating the bytes again.
            Some(text) if enc == UTF_8 => utf8_text(text),
            _ => decode_with(enc, bytes),
        };
        if text.replaced == 0 {
            return text;
        }
        let guessed = decode_text(bytes);
        return if guessed.replaced < text.replaced {
            guessed
        } else {
            text
        };
    }
    decode_text(bytes)
}

/// The charset an HTML head declares, if encoding_rs knows it. UTF-16 declarations are
/// ignored (a page whose bytes are ASCII-compatible cannot be UTF-16; the HTML standard does
/// the same) and GBK/GB2312 become GB18030.
pub fn declared_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let mut i = from + pos + b"charset".len();
        from = i;
        while lower.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        if lower.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while lower
            .get(i)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'"' || *b == b'\'')
        {
            i += 1;
        }
        let start = i;
        while lower
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
        {
            i += 1;
        }
        let Some(enc) = Encoding::for_label(&lower[start..i]) else {
            continue;
        };
        if enc == UTF_16LE || enc == UTF_16BE {
            return Some(UTF_8);
        }
        return Some(if enc == encoding_rs::GBK {
            GB18030
        } else {
            enc
        });
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Guesses a legacy (non-Unicode) encoding with chardetng. The Chinese TLD hint is used first
/// (GBK wins ties); Big5 is only taken when the detector picks it without the hint too.
fn detect_legacy(bytes: &[u8]) -> &'static Encoding {
    // One detector, fed once (a prefix is plenty for CJK text), asked three questions.
    let det = fed_detector(bytes);
    let guess = |tld: Option<&[u8]>| det.guess(tld, chardetng::Utf8Detection::Allow);
    let hinted = guess(Some(b"cn"));
    if hinted != BIG5 && guess(Some(b"tw")) == BIG5 && guess(None) == BIG5 {
        return BIG5;
    }
    if hinted == encoding_rs::GBK {
        GB18030
    } else {
        hinted
    }
}

/// Bytes fed to the encoding detector: enough for a confident guess on Chinese text without
/// scanning a multi-megabyte file three times.
const DETECT_SAMPLE: usize = 16 * 1024;

/// Non-ASCII bytes after which the detector has seen enough: about 1,000 double-byte
/// characters (a page of text), far more than the scores of GBK, Big5, EUC-KR and Shift_JIS
/// need to part (chardetng tells them apart on a title). ASCII bytes (markup, digits, Latin
/// text) carry no evidence, so only these are counted.
const DETECT_NON_ASCII: usize = 2 * 1024;

/// Chunks the sample is fed in, so feeding can stop soon after [`DETECT_NON_ASCII`].
const DETECT_CHUNK: usize = 512;

/// A detector fed the first [`DETECT_SAMPLE`] bytes, or fewer once it has seen
/// [`DETECT_NON_ASCII`] non-ASCII bytes: chardetng runs some 25 candidate encodings over every
/// byte, so the bytes it is not fed are the bulk of the cost of reading a legacy-encoded file.
/// The end of the stream is signalled only when the whole file was fed (as chardetng asks).
fn fed_detector(bytes: &[u8]) -> chardetng::EncodingDetector {
    let sample = &bytes[..bytes.len().min(DETECT_SAMPLE)];
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let mut non_ascii = 0;
    let mut fed = 0;
    for chunk in sample.chunks(DETECT_CHUNK) {
        fed += chunk.len();
        det.feed(chunk, fed == bytes.len());
        non_ascii += chunk.iter().filter(|b| !b.is_ascii()).count();
        if non_ascii >= DETECT_NON_ASCII {
            break;
        }
    }
    det
}

/// [`decode_with`] of UTF-8 for bytes already known to be valid UTF-8 (`text`): the same
/// text, name and count of U+FFFD.
fn utf8_text(text: &str) -> Text {
    Text {
        text: text.to_string(),
        encoding: encoding_name(UTF_8),
        replaced: text.matches('\u{fffd}').count(),
    }
}

/// Decodes with a known encoding (GBK and GB2312 are read as GB18030).
pub fn decode_with(enc: &'static Encoding, bytes: &[u8]) -> Text {
    let enc = if enc == encoding_rs::GBK {
        GB18030
    } else {
        enc
    };
    let (cow, _) = enc.decode_without_bom_handling(bytes);
    // A substring search, not a walk over every character.
    let replaced = cow.matches('\u{fffd}').count();
    Text {
        text: cow.into_owned(),
        encoding: encoding_name(enc),
        replaced,
    }
}

/// The name written to reports.parquet for an encoding.
pub fn encoding_name(enc: &'static Encoding) -> String {
    if enc == UTF_8 {
        "UTF-8"
    } else if enc == GB18030 || enc == encoding_rs::GBK {
        "GB18030"
    } else if enc == UTF_16LE {
        "UTF-16LE"
    } else if enc == UTF_16BE {
        "UTF-16BE"
    } else if enc == BIG5 {
        "Big5"
    } else {
        enc.name()
    }
    .to_string()
}

/// UTF-16 without a byte-order mark, recognised by its zero bytes: text that is partly ASCII
/// has a zero high byte in many code units, always at the same parity, never at the other.
fn utf16_by_zero_bytes(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(SAMPLE) & !1];
    let units = sample.len() / 2;
    if units < 2 {
        return None;
    }
    // Zero bytes at even and at odd offsets, in one pass over the pairs.
    let (even, odd) = sample.chunks_exact(2).fold((0usize, 0usize), |(e, o), p| {
        (e + usize::from(p[0] == 0), o + usize::from(p[1] == 0))
    });
    let shaped = |zeros: usize, others: usize| zeros * 5 >= units && others * 50 <= units;
    let enc = if shaped(odd, even) {
        UTF_16LE
    } else if shaped(even, odd) {
        UTF_16BE
    } else {
        return None;
    };
    utf16_profile(sample, enc == UTF_16LE)
        .filter(|p| p.controls * 20 <= p.units)
        .map(|_| enc)
}

/// UTF-16 without a byte-order mark and (nearly) without ASCII, so without zero bytes:
/// recognised when one byte order yields mostly CJK ideographs and punctuation, no unpaired
/// surrogate and no control character. GB2312 text read this way lands in Hangul, private use
/// and surrogates, never mostly in the ideograph block.
fn utf16_by_cjk_units(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() % 2 != 0 || bytes.len() < 4 {
        return None;
    }
    let sample = &bytes[..bytes.len().min(SAMPLE) & !1];
    [(UTF_16LE, true), (UTF_16BE, false)]
        .into_iter()
        .find_map(|(enc, le)| {
            let p = utf16_profile(sample, le)?;
            let plausible = p.controls == 0
                && p.han * 2 >= p.units
                && (p.han + p.cjk_punct + p.ascii) * 10 >= p.units * 9;
            plausible.then_some(enc)
        })
}

/// Character classes of a UTF-16 sample; `None` when it has an unpaired surrogate.
struct Utf16Profile {
    units: usize,
    han: usize,
    cjk_punct: usize,
    ascii: usize,
    controls: usize,
}

fn utf16_profile(sample: &[u8], little_endian: bool) -> Option<Utf16Profile> {
    let units = sample.chunks_exact(2).map(|p| {
        if little_endian {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let mut p = Utf16Profile {
        units: 0,
        han: 0,
        cjk_punct: 0,
        ascii: 0,
        controls: 0,
    };
    let chars: Vec<char> = char::decode_utf16(units).collect::<Result<_, _>>().ok()?;
    for c in chars {
        p.units += 1;
        if crate::document::text::is_han(c) {
            p.han += 1;
        } else if matches!(c as u32, 0x3000..=0x303f | 0xff00..=0xffef | 0x2010..=0x206f) {
            p.cjk_punct += 1;
        } else if c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c') {
            p.controls += 1;
        } else if c.is_ascii() {
            p.ascii += 1;
        }
    }
    Some(p)
}

/// A cheap test for "this is text, not binary": no NUL bytes in the head, a UTF-16 BOM, or
/// the zero-byte shape of UTF-16 without one.
pub fn looks_like_text(head: &[u8]) -> bool {
    Encoding::for_bom(head).is_some() || !head.contains(&0) || utf16_by_zero_bytes(head).is_some()
}

/// Share of control characters (NUL and the C0/C1 controls other than tab, line feed, carriage
/// return and form feed) plus replacement characters in decoded text; above 10 % the "text" is
/// binary content.
pub fn control_share(text: &str) -> f64 {
    share(control_counts(text))
}

/// `bad / total` of [`control_counts`], 0 for no characters.
fn share((bad, total): (usize, usize)) -> f64 {
    if total == 0 {
        0.0
    } else {
        bad as f64 / total as f64
    }
}

/// (bad, total) characters of [`control_share`]: the bad ones are the controls other than
/// tab, line feed, carriage return and form feed, and U+FFFD.
///
/// Nearly every line has none, so the bytes are first looked over for any that could begin
/// one (a C0 control other than the four, DEL, the lead byte 0xC2 of the C1 controls, and
/// U+FFFD's three bytes): a branch-free fold the compiler vectorises, and the standard
/// library's fast character count. Only a line where one could be is decoded character by
/// character. (Decoding every character measured several times slower.)
fn control_counts(text: &str) -> (usize, usize) {
    let total = text.chars().count();
    let may_hold_control = text.as_bytes().iter().fold(false, |seen, &b| {
        seen | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r') & (b != 0x0c))
            | (b == 0x7f)
            | (b == 0xc2)
    });
    /// The searcher for U+FFFD, built once (`contains` looks for its last byte, common in Han
    /// text, and checks each hit).
    static REPLACEMENT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("\u{fffd}"));
    if !may_hold_control && REPLACEMENT.find(text.as_bytes()).is_none() {
        return (0, total);
    }
    let bad = text
        .chars()
        .filter(|&c| {
            (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c')) || c == '\u{fffd}'
        })
        .count();
    (bad, total)
}

/// True when decoded text is binary junk (see [`control_share`]).
pub fn is_binary_text(text: &str) -> bool {
    control_share(text) > 0.10
}

/// [`is_binary_text`] of the lines joined by `\n`, without joining them (a line feed is a
/// character, never a bad one).
pub fn is_binary_lines(lines: &[String]) -> bool {
    let (bad, total) = lines
        .iter()
        .map(|l| control_counts(l))
        .fold((0, lines.len().saturating_sub(1)), |(b, t), (lb, lt)| {
            (b + lb, t + lt)
        });
    share((bad, total)) > 0.10
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "政府信息公开工作年度报告：本年度共主动公开政府信息二百五十三条，收到政府信息公开申请十二件，全部按时答复。";

    fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(if le { &[0xff, 0xfe] } else { &[0xfe, 0xff] });
        }
        for u in text.encode_utf16() {
            out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    #[test]
    fn decodes_utf8_gbk_and_bom() {
        assert_eq!(decode_text("政府".as_bytes()).encoding, "UTF-8");
        let (gbk, _, _) = GB18030.encode("政府信息公开工作年度报告");
        let t = decode_text(&gbk);
        assert_eq!(t.text, "政府信息公开工作年度报告");
        assert_eq!(t.encoding, "GB18030");
        let t = decode_text(&utf16("政府", true, true));
        assert_eq!((t.text.as_str(), t.encoding.as_str()), ("政府", "UTF-16LE"));
    }

    #[test]
    fn utf16_with_and_without_bom_in_both_orders() {
        let mixed = "2023年政府信息公开工作年度报告\n一、总体情况 (1) 主动公开 253 条";
        for text in [REPORT, mixed] {
            for (le, name) in [(true, "UTF-16LE"), (false, "UTF-16BE")] {
                for bom in [true, false] {
                    let t = decode_text(&utf16(text, le, bom));
                    assert_eq!(
                        (t.text.as_str(), t.encoding.as_str()),
                        (text, name),
                        "bom={bom} text={text}"
                    );
                }
            }
        }
        let ascii = utf16("Annual report 2023\r\nTotal 12", true, false);
        assert_eq!(decode_text(&ascii).encoding, "UTF-16LE");
        assert!(looks_like_text(&ascii));
    }

    #[test]
    fn gb18030_is_not_mistaken_for_utf16() {
        for text in [REPORT, "政府信息公开", "规章 0 0 12\n行政许可 3"] {
            let (gbk, _, _) = GB18030.encode(text);
            let t = decode_text(&gbk);
            assert_eq!((t.text.as_str(), t.encoding.as_str()), (text, "GB18030"));
        }
    }

    #[test]
    fn big5_is_detected() {
        let text = "臺北市政府資訊公開年度報告：本年度主動公開政府資訊共計二百五十三件，受理民眾申請十二件，均依規定期限答覆。";
        let (big5, _, _) = BIG5.encode(text);
        let t = decode_text(&big5);
        assert_eq!((t.text.as_str(), t.encoding.as_str()), (text, "Big5"));
    }

    #[test]
    fn feeding_stops_early_without_changing_the_guess() {
        let texts = [
            (REPORT.repeat(400), GB18030),
            ("臺北市政府資訊公開年度報告：本年度主動公開政府資訊共計二百五十三件，受理民眾申請十二件。".repeat(400), BIG5),
            ("정부 정보 공개 연례 보고서: 올해 정부 정보 이백오십삼 건을 공개하였습니다. ".repeat(400), encoding_rs::EUC_KR),
            ("政府情報公開年次報告書：本年度は二百五十三件の情報を公開しました。".repeat(400), encoding_rs::SHIFT_JIS),
        ];
        for (text, enc) in texts {
            let (bytes, _, _) = enc.encode(&text);
            assert!(bytes.len() > DETECT_SAMPLE);
            let mut full = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            full.feed(&bytes[..DETECT_SAMPLE], false);
            let early = fed_detector(&bytes);
            for tld in [Some(&b"cn"[..]), Some(&b"tw"[..]), None] {
                let allow = chardetng::Utf8Detection::Allow;
                assert_eq!(
                    early.guess(tld, allow),
                    full.guess(tld, allow),
                    "{}",
                    enc.name()
                );
            }
        }
    }

    #[test]
    fn gb18030_fast_path_agrees_with_detection_and_defers_otherwise() {
        // Report text in GBK: taken without chardetng, as chardetng would have taken it.
        let (gbk, _, _) = GB18030.encode(REPORT);
        let fast = gb18030_by_domain_words(&gbk).expect("a GBK report says 信息公开");
        assert_eq!(
            (fast.text.as_str(), fast.encoding.as_str()),
            (REPORT, "GB18030")
        );
        let detected = decode_with(detect_legacy(&gbk), &gbk);
        assert_eq!(
            (fast.text, fast.encoding),
            (detected.text, detected.encoding)
        );
        // GBK text without a subject word, or with a malformed byte: chardetng decides.
        let (plain, _, _) = GB18030.encode("规章 0 0 12 行政许可 3 其他对外管理服务事项");
        assert!(gb18030_by_domain_words(&plain).is_none());
        let mut broken = gbk.to_vec();
        broken.push(0xff);
        assert!(gb18030_by_domain_words(&broken).is_none());
        assert_eq!(decode_text(&broken).encoding, "GB18030");
        // Other legacy CJK encodings never pass, so they take the way they took before
        // (chardetng, or UTF-16 for a run of kanji that reads as such).
        let others = [
            (
                "臺北市政府資訊公開年度報告：本年度主動公開政府資訊共計二百五十三件，受理民眾申請十二件，均依規定期限答覆。",
                BIG5,
            ),
            (
                "정부 정보 공개 연례 보고서: 올해 정부 정보 이백오십삼 건을 공개하였습니다. 정보공개 청구는 열두 건이었습니다.",
                encoding_rs::EUC_KR,
            ),
            (
                "政府情報公開年次報告書：本年度は二百五十三件の情報を公開しました。情報公開請求は十二件でした。",
                encoding_rs::SHIFT_JIS,
            ),
        ];
        for (text, enc) in others {
            for text in [text.to_string(), text.repeat(50)] {
                let (bytes, _, _) = enc.encode(&text);
                assert!(gb18030_by_domain_words(&bytes).is_none(), "{}", enc.name());
            }
        }
        let (big5, _, _) = BIG5.encode(others[0].0);
        let t = decode_text(&big5);
        assert_eq!(
            (t.text.as_str(), t.encoding.as_str()),
            (others[0].0, "Big5")
        );
    }

    #[test]
    fn html_declared_charset_wins_and_mislabels_are_caught() {
        let page = "<html><head><meta charset=\"gb2312\"><title>报告</title></head><body>政府信息公开</body></html>";
        let (gbk, _, _) = GB18030.encode(page);
        let t = decode_html(&gbk);
        assert_eq!((t.text.as_str(), t.encoding.as_str()), (page, "GB18030"));
        let mislabelled = decode_html(page.as_bytes());
        assert_eq!(
            (mislabelled.text.as_str(), mislabelled.encoding.as_str()),
            (page, "UTF-8")
        );
        let equiv = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=GBK\">";
        assert_eq!(declared_charset(equiv), Some(GB18030));
        assert_eq!(declared_charset(b"<meta charset='utf-16'>"), Some(UTF_8));
        assert_eq!(declared_charset(b"<p>charset</p>"), None);
        // A declared UTF-8 page holding a U+FFFD of its own: read as UTF-8, nothing replaced
        // (the undeclared reading has fewer replacements and wins, as it always did).
        let own = "<meta charset=\"utf-8\"><p>政府\u{fffd}信息</p>";
        let t = decode_html(own.as_bytes());
        assert_eq!(
            (t.text.as_str(), t.encoding.as_str(), t.replaced),
            (own, "UTF-8", 0)
        );
        let gbk_label = "<meta charset=\"gbk\"><p>政府\u{fffd}信息</p>";
        let t = decode_html(gbk_label.as_bytes());
        assert_eq!((t.encoding.as_str(), t.replaced), ("UTF-8", 1));
    }

    #[test]
    fn binary_junk_is_recognised() {
        assert!(is_binary_text("\u{0}\u{1}\u{2}abc\u{3}"));
        assert!(!is_binary_text("政府\t信息\n公开"));
        let text = "a\u{7f}\u{85}\u{9f}\u{a0}\u{fffd}\u{fffc}\u{efbf}\x0c\r\n\t\u{1}政";
        let by_chars = text
            .chars()
            .filter(|&c| {
                (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c')) || c == '\u{fffd}'
            })
            .count();
        assert_eq!(control_counts(text), (by_chars, text.chars().count()));
        assert_eq!(control_counts(text).0, 5);
        // Each kind alone, in a line of ordinary text: the quick look lets none through.
        for bad in ['\u{0}', '\u{1f}', '\u{7f}', '\u{80}', '\u{9f}', '\u{fffd}'] {
            let line = format!("政府，信息\t公开\u{a0}{bad}（一）");
            assert_eq!(control_counts(&line), (1, line.chars().count()), "{bad:?}");
        }
        for fine in [
            '\t', '\r', '\x0c', '\u{a0}', '\u{b7}', '\u{fffc}', '\u{ff0c}',
        ] {
            let line = format!("政府{fine}信息");
            assert_eq!(control_counts(&line), (0, 5), "{fine:?}");
        }
        let lines = vec![
            "\u{1}\u{2}".to_string(),
            String::new(),
            "abcdefghijklmnop".to_string(),
        ];
        assert_eq!(is_binary_lines(&lines), is_binary_text(&lines.join("\n")));
        assert!(is_binary_lines(&["\u{1}".to_string(), "a".to_string()]));
        assert!(!is_binary_lines(&[]));
    }
}
