//! Finding a set of words in text by their first character.
//!
//! The prose anchors (条, 件, 年 among them) are among the commonest words of a report, so
//! they occur every few characters. An automaton over bytes reads a large table at every byte
//! (their DFA took 230 KB); here each character costs one look-up in a bitmap of the
//! characters words begin with (8 KB, in the first-level cache), and only where one begins
//! are the words beginning with it compared. (For the glued reader's header words, a prefiltered
//! automaton measured as fast with fewer instructions, and stays.)

use rustc_hash::FxHashMap;

/// Words indexed by their first character.
#[derive(Debug, Clone)]
pub struct FirstCharIndex {
    /// One bit per Basic Multilingual Plane character: some word begins with it.
    starts: Vec<u64>,
    /// (word, its number), grouped by first character, in number order within a group.
    words: Vec<(Box<[u8]>, usize)>,
    /// For each first character, its words' range in `words`.
    ranges: FxHashMap<char, (usize, usize)>,
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
            let len = utf8_len(*w.first()?);
            let first = std::str::from_utf8(w.get(..len)?).ok()?.chars().next()?;
            numbered.push((first, w.into(), i));
        }
        numbered.sort_by_key(|&(c, _, i)| (c, i));
        let mut starts = vec![0u64; (1 << 16) / 64];
        let mut ranges = FxHashMap::default();
        for (at, &(c, _, _)) in numbered.iter().enumerate() {
            if let Ok(code) = u16::try_from(c as u32) {
                starts[usize::from(code >> 6)] |= 1 << (code & 63);
            }
            ranges.entry(c).or_insert((at, at)).1 = at + 1;
        }
        let words = numbered.into_iter().map(|(_, w, i)| (w, i)).collect();
        Some(FirstCharIndex {
            starts,
            words,
            ranges,
        })
    }

    /// True when some word begins with `c` (a bitmap test for the Basic Multilingual Plane).
    #[inline]
    fn may_start(&self, c: char) -> bool {
        match u16::try_from(c as u32) {
            Ok(code) => self.starts[usize::from(code >> 6)] & (1 << (code & 63)) != 0,
            Err(_) => self.ranges.contains_key(&c),
        }
    }

    /// Calls `f` with every occurrence of every word in `text`, overlapping ones included,
    /// by start (and at one start by number). A plain loop: it runs on every scanned line and
    /// all the prose of every report, where iterator adapters measured slower.
    pub fn for_each(&self, text: &str, mut f: impl FnMut(WordMatch)) {
        let bytes = text.as_bytes();
        for (at, c) in text.char_indices() {
            if !self.may_start(c) {
                continue;
            }
            let Some(&(from, to)) = self.ranges.get(&c) else {
                continue;
            };
            for (w, word) in &self.words[from..to] {
                if bytes[at..].starts_with(w) {
                    f(WordMatch {
                        start: at,
                        end: at + w.len(),
                        word: *word,
                    });
                }
            }
        }
    }

    /// Every occurrence of every word in `text` ([`FirstCharIndex::for_each`]), collected.
    pub fn find_all(&self, text: &str) -> Vec<WordMatch> {
        let mut out = Vec::new();
        self.for_each(text, |m| out.push(m));
        out
    }
}

/// Length of the UTF-8 sequence a lead byte begins (1 for a byte that begins none).
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
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
            let mut got: Vec<(usize, usize, usize)> =
                got.iter().map(|m| (m.start, m.end, m.word)).collect();
            let mut want: Vec<(usize, usize, usize)> = ac
                .find_overlapping_iter(text)
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn words_cut_inside_a_character_are_refused() {
        let cut = ["条".as_bytes()[1..].to_vec()];
        assert!(FirstCharIndex::new(&cut).is_none());
        assert!(FirstCharIndex::new(&[""]).is_none());
    }
}
