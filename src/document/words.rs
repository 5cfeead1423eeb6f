//! Finding a set of words in text by their first character.
//!
//! The prose anchors (条, 件, 年 among them) are among the commonest words of a report, so
//! they occur every few characters. An automaton over bytes reads a large table at every byte
//! (their DFA took 230 KB); here each character costs one look-up in a bitmap of the
//! characters words begin with (8 KB, in the first-level cache), and only where one begins
//! are the words beginning with it compared. The glued reader's row marks are asked of it too:
//! an automaton of those long words had tables too large for the cache. (For the glued
//! reader's header words, a prefiltered automaton measured as fast with fewer instructions, and
//! stays.)

use std::ops::ControlFlow;

use rustc_hash::FxHashMap;

/// Words indexed by their first character.
#[derive(Debug, Clone)]
pub struct FirstCharIndex {
    /// One bit per Basic Multilingual Plane character: some word begins with it.
    starts: Vec<u64>,
    /// For each word of `starts`, the number of bits set in the words before it: a set bit's
    /// rank, its character's place in `bmp_ranges`, is this plus the set bits below it.
    ranks: Vec<u32>,
    /// For each BMP first character, in code order, its words' range in `words`.
    bmp_ranges: Vec<(u32, u32)>,
    /// The same for first characters beyond the BMP (rare: looked up by hash).
    astral_ranges: FxHashMap<char, (u32, u32)>,
    /// (word, its number), grouped by first character, in number order within a group.
    words: Vec<(Box<[u8]>, usize)>,
    /// For each word of `words`, the bytes after its first character, for one comparison.
    tails: Vec<Tail>,
}

/// The bytes of a word after its first character, as the first [`Tail::WIDTH`] bytes of the
/// text after the first character are compared with them: one masked comparison of two
/// integers instead of a loop whose end the processor cannot foresee (the words differ in
/// length, and the prose anchors are looked at every few characters).
#[derive(Debug, Clone, Copy)]
struct Tail {
    bits: u128,
    mask: u128,
    len: usize,
}

impl Tail {
    /// Bytes compared at once.
    const WIDTH: usize = 16;

    fn of(word: &[u8], first_len: usize) -> Tail {
        let rest = &word[first_len..];
        let mut buf = [0u8; Tail::WIDTH];
        let n = rest.len().min(Tail::WIDTH);
        buf[..n].copy_from_slice(&rest[..n]);
        let mask = if n == Tail::WIDTH {
            u128::MAX
        } else {
            (1u128 << (8 * n)) - 1
        };
        Tail {
            bits: u128::from_le_bytes(buf),
            mask,
            len: rest.len(),
        }
    }
}

/// An occurrence of a word: its byte range in the text and its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordMatch {
    pub start: usize,
    pub end: usize,
    pub word: usize,
}

impl FirstCharIndex {
    /// The index of `words` (numbered by position); `None` when a word is empty or does not
    /// begin with a whole UTF-8 character (a byte literal cut inside one), which this search,
    /// stepping from character to character, would miss.
    pub fn new<W: AsRef<[u8]>>(words: &[W]) -> Option<FirstCharIndex> {
        let mut numbered: Vec<(char, Box<[u8]>, usize)> = Vec::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            let w = w.as_ref();
            if w.is_empty() {
                return None;
            }
            let len = code_at(w, 0).1;
            let first = std::str::from_utf8(w.get(..len)?).ok()?.chars().next()?;
            numbered.push((first, w.into(), i));
        }
        numbered.sort_by_key(|&(c, _, i)| (c, i));
        let mut starts = vec![0u64; (1 << 16) / 64];
        let mut bmp_ranges: Vec<(u32, u32)> = Vec::new();
        let mut astral_ranges = FxHashMap::default();
        let mut previous: Option<char> = None;
        for (at, &(c, _, _)) in numbered.iter().enumerate() {
            let at = u32::try_from(at).ok()?;
            let range = match u16::try_from(c as u32) {
                Ok(code) => {
                    starts[usize::from(code >> 6)] |= 1 << (code & 63);
                    if previous != Some(c) {
                        bmp_ranges.push((at, at));
                    }
                    bmp_ranges.last_mut()
                }
                Err(_) => Some(astral_ranges.entry(c).or_insert((at, at))),
            };
            if let Some(range) = range {
                range.1 = at + 1;
            }
            previous = Some(c);
        }
        let mut ranks = Vec::with_capacity(starts.len());
        let mut below = 0u32;
        for block in &starts {
            ranks.push(below);
            below += block.count_ones();
        }
        let words: Vec<(Box<[u8]>, usize)> = numbered.into_iter().map(|(_, w, i)| (w, i)).collect();
        let tails = words
            .iter()
            .map(|(w, _)| Tail::of(w, code_at(w, 0).1))
            .collect();
        Some(FirstCharIndex {
            starts,
            ranks,
            bmp_ranges,
            astral_ranges,
            words,
            tails,
        })
    }

    /// The range in `words` of the words beginning with the BMP character `code`, if any: a
    /// bit test, and for a set bit its rank (no hashing: this runs at every character that
    /// begins a word, and the prose anchors begin at every few characters).
    #[inline]
    fn bmp_range(&self, code: u32) -> Option<(u32, u32)> {
        let block = (code >> 6) as usize;
        let bits = *self.starts.get(block)?;
        let bit = 1u64 << (code & 63);
        if bits & bit == 0 {
            return None;
        }
        let rank = self.ranks[block] + (bits & (bit - 1)).count_ones();
        self.bmp_ranges.get(rank as usize).copied()
    }

    /// Calls `f` with every occurrence of every word in `text`, overlapping ones included,
    /// by start (and at one start by number).
    ///
    /// Steps over the UTF-8 bytes rather than decoding characters through the standard
    /// iterator: a character's code point is spelled from its bytes (the text is valid UTF-8),
    /// and a word is compared from after its first character, which already matched. A plain
    /// loop: it runs on every scanned line and all the prose of every report.
    pub fn for_each(&self, text: &str, mut f: impl FnMut(WordMatch)) {
        let _ = self.scan(text, |m| {
            f(m);
            ControlFlow::Continue(())
        });
    }

    /// True when some word occurs in `text`: [`FirstCharIndex::for_each`] stopping at the
    /// first occurrence.
    pub fn occurs_in(&self, text: &str) -> bool {
        self.scan(text, |_| ControlFlow::Break(())).is_break()
    }

    /// The loop of [`FirstCharIndex::for_each`], stopping when `f` says so.
    #[inline]
    fn scan(&self, text: &str, mut f: impl FnMut(WordMatch) -> ControlFlow<()>) -> ControlFlow<()> {
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let (code, len) = code_at(bytes, at);
            let range = match u16::try_from(code) {
                Ok(_) => self.bmp_range(code),
                Err(_) => char::from_u32(code).and_then(|c| self.astral_ranges.get(&c).copied()),
            };
            if let Some((from, to)) = range {
                let (from, to) = (from as usize, to as usize);
                for ((w, word), tail) in self.words[from..to].iter().zip(&self.tails[from..to]) {
                    if tail_follows(bytes, at + len, tail, w) {
                        f(WordMatch {
                            start: at,
                            end: at + w.len(),
                            word: *word,
                        })?;
                    }
                }
            }
            at += len;
        }
        ControlFlow::Continue(())
    }

    /// Every occurrence of every word in `text` ([`FirstCharIndex::for_each`]), collected.
    pub fn find_all(&self, text: &str) -> Vec<WordMatch> {
        let mut out = Vec::new();
        self.for_each(text, |m| out.push(m));
        out
    }
}

/// The code point of the character of valid UTF-8 `bytes` beginning at `at`, and its length
/// in bytes, spelled from its bytes without the standard decoder's checks (the text is a
/// `str`, and `at` a character boundary). A byte that begins no character (never, for a
/// boundary) reads as itself, one byte long.
#[inline]
pub fn code_at(bytes: &[u8], at: usize) -> (u32, usize) {
    let lead = bytes[at];
    let next = |k: usize| u32::from(bytes.get(at + k).copied().unwrap_or(0x80) & 0x3f);
    match lead {
        // ASCII, or a byte inside a character (never at a boundary).
        0x00..=0xbf => (u32::from(lead), 1),
        0xc0..=0xdf => ((u32::from(lead & 0x1f) << 6) | next(1), 2),
        // Most characters of a report: their two further bytes checked as one slice.
        0xe0..=0xef => {
            let (b1, b2) = match bytes.get(at + 1..at + 3) {
                Some(&[b1, b2]) => (b1, b2),
                _ => (0x80, 0x80),
            };
            let cont = |b: u8| u32::from(b & 0x3f);
            (
                (u32::from(lead & 0x0f) << 12) | (cont(b1) << 6) | cont(b2),
                3,
            )
        }
        _ => (
            (u32::from(lead & 0x07) << 18) | (next(1) << 12) | (next(2) << 6) | next(3),
            4,
        ),
    }
}

/// True when the text goes on at `at` with `tail`, the rest of `word` after its first
/// character: one masked comparison where [`Tail::WIDTH`] bytes of text are left, a
/// comparison of slices near the text's end.
///
/// A longer tail is told apart by its first [`Tail::WIDTH`] bytes in the same comparison, and
/// only where they agree are its further bytes compared (the forms' row labels run to
/// dozens of bytes, and many begin with the same character).
#[inline]
fn tail_follows(bytes: &[u8], at: usize, tail: &Tail, word: &[u8]) -> bool {
    let rest = &word[word.len() - tail.len..];
    if let Some(chunk) = bytes.get(at..at + Tail::WIDTH) {
        let mut buf = [0u8; Tail::WIDTH];
        buf.copy_from_slice(chunk);
        if u128::from_le_bytes(buf) & tail.mask != tail.bits {
            return false;
        }
        if tail.len <= Tail::WIDTH {
            return true;
        }
        return bytes.get(at + Tail::WIDTH..at + rest.len()) == Some(&rest[Tail::WIDTH..]);
    }
    bytes.get(at..at + rest.len()) == Some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasick;

    const WORDS: [&str; 8] = [
        "公开",
        "信息公开",
        "公开申请",
        "条",
        "年",
        "A",
        "𠀀字",
        "其他",
    ];
    const TEXTS: [&str; 6] = [
        "2019年信息公开申请12条，A公开𠀀字年年。",
        "",
        "其他其他",
        "信息公开其他",
        "没有一个",
        "公开申请公开",
    ];

    /// Every occurrence, as an automaton finds the overlapping ones.
    #[test]
    fn find_all_matches_the_overlapping_automaton() {
        let index = FirstCharIndex::new(&WORDS).unwrap();
        let ac = AhoCorasick::new(WORDS).unwrap();
        for text in TEXTS {
            let got: Vec<WordMatch> = index.find_all(text);
            assert!(got.windows(2).all(|w| w[0].start <= w[1].start), "by start");
            same_as_automaton(&index, &ac, text);
        }
    }

    /// Asserts that the index finds in `text` what the overlapping automaton finds and says
    /// whether a word occurs as the automaton does; returns the occurrences as (start, end,
    /// word), sorted.
    fn same_as_automaton(
        index: &FirstCharIndex,
        ac: &AhoCorasick,
        text: &str,
    ) -> Vec<(usize, usize, usize)> {
        assert_eq!(index.occurs_in(text), ac.is_match(text), "{text}");
        let mut got: Vec<(usize, usize, usize)> = index
            .find_all(text)
            .iter()
            .map(|m| (m.start, m.end, m.word))
            .collect();
        let mut want: Vec<(usize, usize, usize)> = ac
            .find_overlapping_iter(text)
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{text}");
        got
    }

    /// Many texts drawn from an alphabet of the words' own characters (ASCII, two-, three-
    /// and four-byte ones): every occurrence, as the automaton finds them.
    #[test]
    fn random_texts_match_the_overlapping_automaton() {
        // Tails of every length around the comparison's width (16 bytes): 公开申请公开申 has
        // 18 bytes after its first character.
        let words = [
            "公开",
            "开申",
            "申请",
            "é条",
            "条",
            "年年",
            "A",
            "AB",
            "𠀀",
            "𠀀字",
            "字",
            "公开申请公开申",
            "申请公开申请公",
            "开申请公开申",
        ];
        let alphabet: Vec<char> = "公开申请é条年AB𠀀字其 ".chars().collect();
        let index = FirstCharIndex::new(&words).unwrap();
        let ac = AhoCorasick::new(words).unwrap();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let long = "A公开申请公开申请公开申请公开申请é条年年公开申请公开申";
        let mut texts: Vec<String> = (0..long.len())
            .filter(|&i| long.is_char_boundary(i))
            .flat_map(|i| [long[i..].to_string(), long[..i].to_string()])
            .collect();
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 40) as usize;
            texts.push(
                (0..len)
                    .map(|i| alphabet[((state >> (i % 48)) as usize + i * 7) % alphabet.len()])
                    .collect(),
            );
        }
        let mut long_found = 0;
        for text in &texts {
            let got = same_as_automaton(&index, &ac, text);
            long_found += got.iter().filter(|m| m.2 >= 11).count();
        }
        assert!(long_found > 20, "{long_found}");
    }

    #[test]
    fn code_at_spells_every_character_as_the_decoder_does() {
        let text = "aé公𠀀\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}。";
        let bytes = text.as_bytes();
        for (at, c) in text.char_indices() {
            assert_eq!(code_at(bytes, at), (c as u32, c.len_utf8()), "{c:?}");
        }
    }

    #[test]
    fn words_cut_inside_a_character_are_refused() {
        let cut = ["条".as_bytes()[1..].to_vec()];
        assert!(FirstCharIndex::new(&cut).is_none());
        assert!(FirstCharIndex::new(&[""]).is_none());
    }
}
