//! Quality rules that keep or drop whole documents (and, for C4, remove lines), with the
//! decisions datatrove 0.10.1 makes.
//!
//! One file per rule family: [`gopher_quality`], [`gopher_repetition`], [`c4`],
//! [`fineweb`], and [`language`] (language identification with the embedded model of
//! [`crate::lang`]). Every rule measures a value and compares it with a documented threshold; a
//! drop names datatrove's reason, the value and the threshold. Rules are combined into named,
//! versioned [presets](preset) and run by the one loop in [`crate::step::Filters`].
//!
//! **Words** are the tokens of [`crate::text::tokens`] (datatrove's English word tokenizer),
//! computed once per document text and shared by every rule through [`Doc`]. **Lines** follow
//! each rule's datatrove definition, because the rules disagree and parity depends on it:
//! Gopher quality and C4 use Python's `str.splitlines()` ([`py_lines`]), Gopher repetition
//! splits at runs of `\n`, FineWeb at each `\n`. Character counts are Unicode scalar values,
//! like Python's `len`.
//!
//! **Speed.** The four quality rules of `fineweb-2024` without language ID run at about
//! 115 instructions per byte of JSONL for a whole `decant filter` run with `-j 1` (callgrind,
//! 2,000 documents of the generated corpus, 8 MB; 209 six sessions before this count), of
//! which the tokenizer with the words' [`WordFacts`] takes about 46, Gopher repetition about
//! 27 besides (n-gram levels, duplicate lines and paragraphs), C4 about 12, Gopher quality
//! about 10, FineWeb about 2.5, and reading and writing about 17. In memory on one core
//! (the `passes` example of `decant-bench`) that is 122-125 MB/s on an AMD EPYC (Zen 5)
//! virtual machine, and 63-70 MB/s for the same instruction count on the Sapphire Rapids
//! machine the project was measured on before: the figure belongs to the machine, the
//! instruction count to the code, so changes are judged by instructions (callgrind), which
//! perf's time shares follow within a few points.
//!
//! What made it so, for whoever goes further:
//! - What is computed once per text and shared lives in [`Scratch`]: the words and their
//!   facts (hash, characters, ASCII classes, taken while tokenizing: the scan already knows
//!   them for ASCII letters and digits), the `splitlines()` line spans, the character count,
//!   the duplicate-line table.
//! - The tokenizer reads the commonest chunks with one eight-byte load: one to seven ASCII
//!   letters before whitespace, or one to six and a closing mark (`word,` `end.`); a third
//!   of the chunks. The 3% of chunks that need the general prefix/suffix/infix rules cost
//!   some 1,700 instructions each, about 9 per byte in all.
//! - Gopher repetition counts n-grams level by level: every position at the first level (two
//!   thirds of its n-gram work), then only the positions whose shorter n-gram repeats (a
//!   quarter of them at n = 3, 2% at n = 10), in an open-addressing table emptied by one
//!   fill per document.
//! - Mispredicted branches cost as much as instructions: whether an n-gram is new or seen,
//!   and whether a token is a word or punctuation, are coin tosses to the processor, so those
//!   counts are kept without branches ([`std::hint::select_unpredictable`], a probe that
//!   stops with one test). callgrind's branch simulation counts 7.6M mispredictions on the
//!   2,000 documents, 9.1M before.
//! - Rules whose answer is known part way stop counting there (Gopher's stop words once two
//!   are present, C4's sentences once there are five) unless `decant explain` is tracing,
//!   which records exact values.
//!
//! Tried and measured as no gain: remembering the tokens of chunks that take the general
//! path (only a quarter recur within a worker's documents, and each new entry costs two
//! allocations); an eight-byte key for the exception filter (the short-chunk copy costs more
//! than it saves); a four-byte n-gram table for Gopher repetition (a quarter of the memory
//! to clear per level, the same time); C4's phrases in one case-insensitive aho-corasick
//! pass (twice C4's instructions of the lowercased copy and `memmem` passes); the
//! tokenizer's eight-byte class scan without branches (3% more instructions, the same
//! time); a release build with fat LTO and one codegen unit (no clear gain, a build of 4
//! minutes instead of 2.5); reading the n-gram table's first two slots together; and, for
//! the whole process, mimalloc as the binary's allocator (5% less CPU time, twice the peak
//! memory: not kept). The next large step would be one pass that tokenizes, hashes and
//! classifies words together with SIMD byte classification (8-byte SWAR today, as
//! `unsafe_code = "forbid"` rules out `std::arch` loads).

pub mod c4;
mod datatrove_sets;
pub mod fineweb;
pub mod gopher_quality;
pub mod gopher_repetition;
pub mod language;
pub mod preset;

use crate::text::tokens::{Sink, Span, Tokenizer};
use crate::text::{word_facts, WordFacts};

pub use c4::C4Quality;
pub use fineweb::FineWebQuality;
pub use gopher_quality::GopherQuality;
pub use gopher_repetition::GopherRepetition;
pub use language::LanguageFilter;
pub use preset::{FilterConfig, Preset, RuleName};

/// One document's text as the rules see it, with the words computed once and shared.
pub struct Doc<'t, 's> {
    text: &'t str,
    scratch: &'s mut Scratch,
}

/// Buffers reused from one document to the next (one per worker thread), and what is known
/// of the text the current filter chain is looking at.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) tokenizer: Tokenizer,
    words: Vec<Span>,
    /// `words` holds the words of the text the current filter chain is looking at.
    words_valid: bool,
    /// Per word of `words`: its [`WordFacts`] (hash, characters, classes), shared by the
    /// Gopher rules.
    facts: Vec<WordFacts>,
    facts_valid: bool,
    /// The text's `str.splitlines()` lines as byte ranges, shared by Gopher quality and C4.
    lines: Vec<(u32, u32)>,
    lines_valid: bool,
    /// The text's length in characters.
    chars: Option<usize>,
    pub(crate) set: rustc_hash::FxHashSet<u64>,
    pub(crate) slots: Vec<gopher_repetition::GramSlot>,
    pub(crate) grams: Vec<u64>,
    pub(crate) candidates: Vec<u32>,
    pub(crate) marks: Vec<bool>,
    /// [`find_duplicates`]'s table.
    pub(crate) seen: Vec<SeenSlot>,
    /// Metadata fields set by the filters on the current text ([`Doc::annotate`]).
    pub(crate) annotations: Vec<(&'static str, serde_json::Value)>,
}

impl<'t, 's> Doc<'t, 's> {
    /// A view of `text` using `scratch`'s buffers.
    pub fn new(text: &'t str, scratch: &'s mut Scratch) -> Self {
        scratch.words_valid = false;
        scratch.forget_text();
        Doc { text, scratch }
    }

    /// A view of the same text the previous `Doc` on `scratch` looked at: words, lines and
    /// counts already computed are reused (the filter loop's way of tokenizing once per
    /// text).
    pub(crate) fn same_text(text: &'t str, scratch: &'s mut Scratch) -> Self {
        Doc { text, scratch }
    }

    /// Sets a field of the document's `metadata` in the output (replacing one set earlier on
    /// the same document).
    pub fn annotate(&mut self, key: &'static str, value: serde_json::Value) {
        let a = &mut self.scratch.annotations;
        match a.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => a.push((key, value)),
        }
    }

    /// The text.
    pub fn text(&self) -> &'t str {
        self.text
    }

    /// The reusable buffers.
    pub(crate) fn scratch(&mut self) -> &mut Scratch {
        self.scratch
    }

    /// The length of the text in characters (Python's `len`).
    pub fn chars(&mut self) -> usize {
        let text = self.text;
        *self
            .scratch
            .chars
            .get_or_insert_with(|| crate::text::char_count(text))
    }

    /// The words (datatrove's English `split_into_words`), computed on first use.
    pub fn words(&mut self) -> &[Span] {
        let s = &mut *self.scratch;
        if !s.words_valid {
            s.words.clear();
            s.tokenizer.run(self.text, &mut s.words);
            s.words_valid = true;
            s.facts_valid = false;
        }
        &s.words
    }

    /// The words with their [`WordFacts`], computed on first use.
    pub(crate) fn words_and_facts(&mut self) -> (&[Span], &[WordFacts]) {
        let s = &mut *self.scratch;
        let bytes = self.text.as_bytes();
        if !s.words_valid {
            // Tokenize and take the facts on the way: most words are plain ASCII letters,
            // whose facts the tokenizer already knows but for the hash.
            s.words.clear();
            s.facts.clear();
            let mut sink = WithFacts {
                bytes,
                words: &mut s.words,
                facts: &mut s.facts,
            };
            s.tokenizer.run(self.text, &mut sink);
            s.words_valid = true;
            s.facts_valid = true;
        }
        if !s.facts_valid {
            s.facts.clear();
            s.facts.extend(
                s.words
                    .iter()
                    .map(|w| word_facts(bytes, w.start as usize, w.end as usize)),
            );
            s.facts_valid = true;
        }
        (&s.words, &s.facts)
    }

    /// The `str.splitlines()` lines as byte ranges, computed on first use.
    pub(crate) fn py_line_spans(&mut self) -> &[(u32, u32)] {
        let s = &mut *self.scratch;
        if !s.lines_valid {
            s.lines.clear();
            crate::text::py_line_spans(self.text, &mut s.lines);
            s.lines_valid = true;
        }
        &s.lines
    }

    /// The words and the lines together (C4 reads both).
    pub(crate) fn words_and_lines(&mut self) -> (&[Span], &[(u32, u32)]) {
        self.words();
        self.py_line_spans();
        (&self.scratch.words, &self.scratch.lines)
    }

    /// The words and the scratch buffers together (for rules that hash them).
    pub(crate) fn words_and_scratch(&mut self) -> (&'t str, &mut Scratch) {
        self.words();
        (self.text, &mut *self.scratch)
    }
}

/// A tokenizer sink collecting the words and their [`WordFacts`] together.
struct WithFacts<'a> {
    bytes: &'a [u8],
    words: &'a mut Vec<Span>,
    facts: &'a mut Vec<WordFacts>,
}

impl Sink for WithFacts<'_> {
    #[inline]
    fn token(&mut self, span: Span) {
        self.words.push(span);
        self.facts.push(word_facts(
            self.bytes,
            span.start as usize,
            span.end as usize,
        ));
    }

    // Left to itself the compiler calls it once per word, 3% of a filter run's
    // instructions (callgrind).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn ascii_alnum(&mut self, span: Span, letter: bool) {
        self.words.push(span);
        self.facts.push(WordFacts::of_ascii_alnum(
            self.bytes,
            span.start as usize,
            span.end as usize,
            letter,
        ));
    }

    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn ascii_letters(&mut self, span: Span, bytes: u64) {
        self.words.push(span);
        self.facts.push(WordFacts::of_ascii_letters(
            (span.end - span.start) as usize,
            bytes,
        ));
    }
}

impl Scratch {
    /// Installs the words of the text the next filter will see.
    pub(crate) fn set_words(&mut self, words: Vec<Span>) {
        self.words = words;
        self.words_valid = true;
        self.forget_text();
    }

    /// Forgets what was computed of the previous text (words apart).
    fn forget_text(&mut self) {
        self.facts_valid = false;
        self.lines_valid = false;
        self.chars = None;
    }
}

/// Python's `str.splitlines()`: lines end at `\n`, `\r`, `\r\n`, `\v`, `\f`, `\x1c`–`\x1e`,
/// `\x85`, U+2028 and U+2029; a final terminator does not start an empty line.
pub fn py_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut spans = Vec::new();
    crate::text::py_line_spans(text, &mut spans);
    spans
        .into_iter()
        .map(move |(a, b)| &text[a as usize..b as usize])
}

/// Python's `str.strip()` (whitespace as `str.isspace` defines it).
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(crate::text::tokens::is_py_space)
}

/// Python's `str.count` for a non-empty needle: non-overlapping occurrences.
pub(crate) fn count_non_overlapping(hay: &str, needle: &str) -> usize {
    memchr::memmem::find_iter(hay.as_bytes(), needle.as_bytes())
        .scan(0usize, |next_free, at| {
            if at >= *next_free {
                *next_free = at + needle.len();
                Some(true)
            } else {
                Some(false)
            }
        })
        .filter(|&counted| counted)
        .count()
}

/// Whether `c` is in datatrove's punctuation set (a word made only of these is a symbol).
pub(crate) fn is_datatrove_punct(c: char) -> bool {
    datatrove_sets::PUNCTUATION.binary_search(&c).is_ok()
}

/// Whether `c` ends a line for FineWeb's punctuation rule.
pub(crate) fn is_terminal_punct(c: char) -> bool {
    datatrove_sets::TERMINAL_PUNCTUATION
        .binary_search(&c)
        .is_ok()
}

/// One slot of [`find_duplicates`]'s table: an item's hash and byte range in the text;
/// `end == u32::MAX` marks an empty slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeenSlot {
    hash: u64,
    start: u32,
    end: u32,
}

const EMPTY: SeenSlot = SeenSlot {
    hash: 0,
    start: 0,
    end: u32::MAX,
};

/// Counts the distinct-or-not duplicates the way datatrove's `find_duplicates` does: the
/// number of elements already seen, and their total length in characters. `items` are
/// slices of `text`, at most `max_items` of them; they are compared by hash and then by
/// their bytes, in an open-addressing table kept in `slots` from one document to the next.
#[allow(clippy::cast_possible_truncation)] // documents are far below 4 GiB
pub(crate) fn find_duplicates<'a>(
    text: &'a str,
    items: impl Iterator<Item = &'a str>,
    max_items: usize,
    slots: &mut Vec<SeenSlot>,
) -> (usize, usize) {
    let size = (2 * max_items).next_power_of_two().max(16);
    slots.clear();
    slots.resize(size, EMPTY);
    let (mask, shift) = (size - 1, 64 - size.trailing_zeros());
    let base = text.as_ptr() as usize;
    let bytes = text.as_bytes();
    let (mut n, mut chars) = (0, 0);
    for it in items {
        let hash = crate::text::hash_str(it);
        debug_assert!(
            it.as_ptr() as usize >= base && it.as_ptr() as usize + it.len() <= base + text.len(),
            "an item outside the text"
        );
        let start = it.as_ptr() as usize - base;
        let end = start + it.len();
        let mut k = (hash >> shift) as usize;
        let seen = loop {
            let slot = slots[k];
            if slot.end == u32::MAX {
                slots[k] = SeenSlot {
                    hash,
                    start: start as u32,
                    end: end as u32,
                };
                break false;
            }
            if slot.hash == hash && &bytes[slot.start as usize..slot.end as usize] == it.as_bytes()
            {
                break true;
            }
            k = (k + 1) & mask;
        };
        if seen {
            n += 1;
            chars += crate::text::char_count(it);
        }
    }
    // A text of many lines leaves a large table; it is not kept for the next ones.
    if slots.len() > KEPT_SLOTS {
        *slots = Vec::new();
    }
    (n, chars)
}

/// The largest [`find_duplicates`] table kept from one document to the next (1 MiB).
const KEPT_SLOTS: usize = 1 << 16;

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The facts taken while tokenizing are those computed from the words afterwards.
        #[test]
        fn facts_taken_while_tokenizing_are_the_word_facts(
            text in r"([a-zA-Z]{1,12}|[0-9]{1,4}|[-,.(\x22']|é|ß|日本|\u{2014}| |\n){0,40}"
        ) {
            let mut scratch = Scratch::default();
            let mut doc = Doc::new(&text, &mut scratch);
            let (words, facts) = doc.words_and_facts();
            let (words, facts) = (words.to_vec(), facts.to_vec());
            let mut expected = Vec::new();
            crate::text::tokens::words_into(&text, &mut expected);
            proptest::prop_assert_eq!(&words, &expected);
            let bytes = text.as_bytes();
            let want: Vec<WordFacts> = expected
                .iter()
                .map(|w| word_facts(bytes, w.start as usize, w.end as usize))
                .collect();
            proptest::prop_assert_eq!(facts, want);
        }
    }

    #[test]
    fn py_lines_matches_python_splitlines() {
        let got: Vec<&str> = py_lines("a\r\nb\rc\n\nd\u{2028}e\x0bf\n").collect();
        assert_eq!(got, ["a", "b", "c", "", "d", "e", "f"]);
        assert_eq!(py_lines("").count(), 0);
        assert_eq!(py_lines("\n").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn counts_like_python_str_count() {
        assert_eq!(count_non_overlapping(".....", "..."), 1);
        assert_eq!(count_non_overlapping("......", "..."), 2);
        assert_eq!(count_non_overlapping("a…b…", "…"), 2);
    }

    #[test]
    fn duplicates_count_repeats_and_their_characters() {
        let text = "ab c ab ab   é é";
        let items = || text.split(' ');
        let mut slots = Vec::new();
        // "ab" twice more (2 characters each), "" once more, "é" once more (1 character).
        assert_eq!(
            find_duplicates(text, items(), items().count(), &mut slots),
            (4, 5)
        );
        // The table is reused: nothing of the last text is remembered.
        assert_eq!(
            find_duplicates("x", ["x"].into_iter(), 1, &mut slots),
            (0, 0)
        );
    }
}
