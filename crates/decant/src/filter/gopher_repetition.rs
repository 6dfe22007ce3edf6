//! Gopher repetition rules (Rae et al. 2021, table A1), as datatrove 0.10.1 implements them
//! in `pipeline/filters/gopher_repetition_filter.py`. Checked in this order:
//!
//! | reason | measured | default |
//! |---|---|---|
//! | `dup_para_frac` | paragraphs (split at 2+ newlines) that repeat an earlier one, per paragraph | > 0.3 |
//! | `dup_para_char_frac` | characters in those paragraphs, per character of the text | > 0.2 |
//! | `dup_line_frac` | lines (split at runs of newlines) that repeat an earlier one, per line | > 0.3 |
//! | `dup_line_char_frac` | characters in those lines, per character | > 0.2 |
//! | `top_{n}_gram`, n = 2, 3, 4 | characters of the most frequent word n-gram × its count, per character | > 0.20, 0.18, 0.16 |
//! | `duplicated_{n}_n_grams`, n = 5…10 | characters in word n-grams seen before (scanning left to right, skipping past each repeat), per character | > 0.15, 0.14, 0.13, 0.12, 0.11, 0.10 |
//!
//! As in datatrove (`Counter.most_common`), the most frequent n-gram's length is that of
//! the one that occurs first among those with the top count, and an n-gram's characters
//! are its words' characters (plus the spaces between them for the top n-grams). n-grams
//! are compared by a 64-bit hash of their word sequence (63 bits when counted: the table
//! sets the lowest bit of its keys); datatrove compares the
//! concatenated words, which differs only when the same characters are cut into words
//! differently.

use crate::step::measured;
use serde::{Deserialize, Serialize};

use super::{find_duplicates, py_strip, Doc};
use crate::step::{Filter, Rejection, Verdict};
use crate::text::WordFacts;

/// Settings of the Gopher repetition rules (datatrove's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GopherRepetition {
    /// Largest share of repeated paragraphs.
    pub dup_para_frac: f64,
    /// Largest share of characters in repeated paragraphs.
    pub dup_para_char_frac: f64,
    /// Largest share of repeated lines.
    pub dup_line_frac: f64,
    /// Largest share of characters in repeated lines.
    pub dup_line_char_frac: f64,
    /// `[n, largest share]` for the most frequent n-gram.
    pub top_n_grams: Vec<(usize, f64)>,
    /// `[n, largest share]` for repeated n-grams.
    pub dup_n_grams: Vec<(usize, f64)>,
}

impl Default for GopherRepetition {
    fn default() -> Self {
        GopherRepetition {
            dup_para_frac: 0.3,
            dup_para_char_frac: 0.2,
            dup_line_frac: 0.3,
            dup_line_char_frac: 0.2,
            top_n_grams: vec![(2, 0.2), (3, 0.18), (4, 0.16)],
            dup_n_grams: vec![
                (5, 0.15),
                (6, 0.14),
                (7, 0.13),
                (8, 0.12),
                (9, 0.11),
                (10, 0.10),
            ],
        }
    }
}

const STEP: &str = "gopher_repetition";

fn drop(reason: impl Into<std::borrow::Cow<'static, str>>, value: f64, threshold: f64) -> Verdict {
    Verdict::Drop(Rejection::new(STEP, reason, value, threshold))
}

fn reason_name(prefix: &str, n: usize, suffix: &str) -> std::borrow::Cow<'static, str> {
    const TOP: [&str; 11] = [
        "top_0_gram",
        "top_1_gram",
        "top_2_gram",
        "top_3_gram",
        "top_4_gram",
        "top_5_gram",
        "top_6_gram",
        "top_7_gram",
        "top_8_gram",
        "top_9_gram",
        "top_10_gram",
    ];
    const DUP: [&str; 11] = [
        "duplicated_0_n_grams",
        "duplicated_1_n_grams",
        "duplicated_2_n_grams",
        "duplicated_3_n_grams",
        "duplicated_4_n_grams",
        "duplicated_5_n_grams",
        "duplicated_6_n_grams",
        "duplicated_7_n_grams",
        "duplicated_8_n_grams",
        "duplicated_9_n_grams",
        "duplicated_10_n_grams",
    ];
    let table = if prefix == "top" { &TOP } else { &DUP };
    match table.get(n) {
        Some(s) => (*s).into(),
        None => format!("{prefix}_{n}_{suffix}").into(),
    }
}

/// Splits at runs of two or more `\n` (Python's `re.split(r"\n{2,}", text)`).
fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        let b = r.as_bytes();
        let mut i = 0;
        while let Some(off) = memchr::memchr(b'\n', &b[i..]) {
            let at = i + off;
            let run = b[at..].iter().take_while(|&&c| c == b'\n').count();
            if run >= 2 {
                rest = Some(&r[at + run..]);
                return Some(&r[..at]);
            }
            i = at + run;
        }
        rest = None;
        Some(r)
    })
}

/// Splits at runs of `\n` (Python's `re.split("\n+", text)`).
fn line_runs(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        if let Some(at) = memchr::memchr(b'\n', r.as_bytes()) {
            let run = r.as_bytes()[at..]
                .iter()
                .take_while(|&&c| c == b'\n')
                .count();
            rest = Some(&r[at + run..]);
            Some(&r[..at])
        } else {
            rest = None;
            Some(r)
        }
    })
}

/// The hash an n-gram's mixing starts from.
const GRAM_SEED: u64 = 0x9e37_79b9;

#[inline]
fn mix(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// One n-gram's key (its hash with the lowest bit set; 0 marks an empty slot), count and
/// first position.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GramSlot {
    key: u64,
    count: u32,
    first: u32,
}

/// A counting table for one level's n-gram hashes: open addressing with linear probing in
/// a power-of-two table at most half full, indexed by the top bits of the hash (which
/// [`mix`] spreads well). Cheaper per n-gram than a general hash map, and emptied with one
/// fill of a table sized for this document.
struct GramCounts<'a> {
    slots: &'a mut [GramSlot],
    shift: u32,
}

impl<'a> GramCounts<'a> {
    fn new(slots: &'a mut Vec<GramSlot>, n: usize) -> Self {
        let size = (2 * n).next_power_of_two().max(16);
        slots.clear();
        slots.resize(size, GramSlot::default());
        GramCounts {
            slots: slots.as_mut_slice(),
            shift: 64 - size.trailing_zeros(),
        }
    }

    /// Counts one more occurrence of the n-gram of `hash` at position `at` (its first
    /// position if new); returns the n-gram's count and first position. Written without a
    /// branch on whether the n-gram is new (the processor cannot predict it in natural
    /// text): only the probe past an occupied slot of another key branches.
    #[inline]
    fn add(&mut self, hash: u64, at: u32) -> (u32, u32) {
        let key = hash | 1;
        let mask = self.slots.len() - 1;
        #[allow(clippy::cast_possible_truncation)] // the shift leaves fewer than 64 bits
        let mut k = (key >> self.shift) as usize;
        // Stop at the key or an empty slot, with one test: keys are odd, so the product is
        // zero exactly when the slot's key is 0 or equal to `key` (an odd number has no
        // factor 2 to cancel against). Two tests would be compiled as two branches, the
        // first of them (new or seen?) unpredictable.
        while (self.slots[k].key ^ key).wrapping_mul(self.slots[k].key) != 0 {
            k = (k + 1) & mask;
        }
        let slot = &mut self.slots[k];
        slot.first = std::hint::select_unpredictable(slot.key == 0, at, slot.first);
        slot.key = key;
        slot.count += 1;
        (slot.count, slot.first)
    }
}

/// The n-gram measures of one document, for every n the rules ask about.
struct NGrams {
    /// By n: characters of the most frequent n-gram (of those with the top count, the one
    /// that occurs first), times its count.
    top_chars: Vec<u64>,
    /// By n: characters in n-grams that repeat an earlier one, scanning as datatrove does.
    dup_chars: Vec<u64>,
}

impl NGrams {
    /// Measures level by level, n = 1 (when asked) or 2, then 3, …: an n-gram can only occur twice where its
    /// first n-1 words do, so each level hashes and counts only the positions whose
    /// (n-1)-gram repeats, and the repeated-n-gram scan looks only where the n-gram repeats.
    /// Natural text leaves few such positions after n = 2 or 3.
    fn measure(
        words: &[WordFacts],
        chars_at: impl Fn(usize, usize) -> u64,
        top: impl Iterator<Item = usize>,
        dup: impl Iterator<Item = usize>,
        s: &mut super::Scratch,
    ) -> NGrams {
        let top: Vec<usize> = top.collect();
        let dup: Vec<usize> = dup.collect();
        let max_n = top.iter().chain(&dup).copied().max().unwrap_or(0);
        let mut out = NGrams {
            top_chars: vec![0; max_n + 1],
            dup_chars: vec![0; max_n + 1],
        };
        let len = words.len();
        // `grams[i]`: hash of the current level's n-gram at i, for candidate positions;
        // `marks[i]`: the n-gram at i occurs at least twice (set while counting).
        let grams = &mut s.grams;
        grams.clear();
        let candidates = &mut s.candidates;
        candidates.clear();
        let marks = &mut s.marks;
        marks.clear();
        marks.resize(len, false);
        // Single words are counted only when a rule asks about them; otherwise every
        // position is a candidate for 2-grams.
        let first_level = if top.contains(&1) || dup.contains(&1) {
            1
        } else {
            2
        };
        for n in first_level..=max_n {
            if len < n {
                break;
            }
            let best;
            if n == first_level {
                // Every position is a candidate: no list to read, and the n-grams' hashes
                // are made in one pass over the words.
                let n_grams = len + 1 - n;
                if n == 1 {
                    grams.extend(words.iter().map(|w| mix(GRAM_SEED, w.hash)));
                } else {
                    grams.extend(words.windows(n).map(|w| {
                        w[1..]
                            .iter()
                            .fold(mix(GRAM_SEED, w[0].hash), |h, x| mix(h, x.hash))
                    }));
                }
                let positions = grams.iter().zip(0u32..).map(|(&h, i)| (i, h));
                best = count_grams(&mut s.slots, n_grams, positions, marks);
                // Every position is written and the marked ones kept (a store instead of
                // a branch the processor cannot predict).
                candidates.resize(n_grams, 0);
                let mut kept = 0;
                for (i, mark) in (0u32..).zip(&mut marks[..n_grams]) {
                    candidates[kept] = i;
                    kept += usize::from(std::mem::take(mark));
                }
                candidates.truncate(kept);
            } else {
                candidates.retain(|&i| (i as usize) + n <= len);
                if candidates.is_empty() {
                    // Nothing repeats at this length or beyond: the first n-gram is the "top"
                    // one with its single occurrence, and no n-gram is a repeat.
                    if top.contains(&n) {
                        out.top_chars[n] = chars_at(0, n) + n as u64 - 1;
                    }
                    continue;
                }
                for &i in candidates.iter() {
                    let i = i as usize;
                    grams[i] = mix(grams[i], words[i + n - 1].hash);
                }
                let positions = candidates.iter().map(|&i| (i, grams[i as usize]));
                best = count_grams(&mut s.slots, candidates.len(), positions, marks);
                // Keep the positions whose n-gram repeats, clearing their marks on the way
                // (without a branch, as above).
                let mut kept = 0;
                for k in 0..candidates.len() {
                    let i = candidates[k];
                    candidates[kept] = i;
                    kept += usize::from(std::mem::take(&mut marks[i as usize]));
                }
                candidates.truncate(kept);
            }
            if top.contains(&n) {
                // With no repeat, every n-gram occurs once and the first one is the "top".
                let (count, first) = best;
                out.top_chars[n] = (chars_at(first as usize, n) + n as u64 - 1) * u64::from(count);
            }
            if dup.contains(&n) {
                let seen = &mut s.set;
                seen.clear();
                if seen.capacity() > 4 * candidates.len() + 64 {
                    seen.shrink_to(candidates.len());
                }
                let mut repeated = 0u64;
                let mut next_free = 0usize;
                // Positions whose n-gram occurs once are never repeats and never repeated,
                // so only the candidates matter; a repeat skips the n words after it.
                for &i in candidates.iter() {
                    let i = i as usize;
                    if i < next_free {
                        continue;
                    }
                    if !seen.insert(grams[i]) {
                        repeated += chars_at(i, n);
                        next_free = i + n;
                    }
                }
                out.dup_chars[n] = repeated;
            }
        }
        out
    }
}

/// Counts the n-grams at `positions` (position, hash; `count` of them, in increasing
/// position), marking in `marks` every position whose n-gram occurs at least twice; returns
/// the most frequent n-gram's count and first position (of those with the top count, the
/// one that occurs first;
/// `(1, 0)` when none repeats).
#[inline]
fn count_grams(
    slots: &mut Vec<GramSlot>,
    count: usize,
    positions: impl Iterator<Item = (u32, u64)>,
    marks: &mut [bool],
) -> (u32, u32) {
    let mut counts = GramCounts::new(slots, count);
    let mut best = (1u32, 0u32);
    for (i, key) in positions {
        let (c, first) = counts.add(key, i);
        // Stores rather than branches: `marks[i]` is still false here (a position is
        // marked only once it was visited), and `first == i` for a new n-gram.
        marks[i as usize] = c >= 2;
        marks[first as usize] |= c == 2;
        if c > best.0 || (c == best.0 && first < best.1) {
            best = (c, first);
        }
    }
    best
}

impl Filter for GopherRepetition {
    fn name(&self) -> &'static str {
        STEP
    }

    #[allow(clippy::too_many_lines)]
    fn check(&self, doc: &mut Doc<'_, '_>) -> Verdict {
        let text = doc.text();
        if text.is_empty() {
            return drop("empty", 0.0, 0.0);
        }
        let len = doc.chars() as f64;

        // Lines are at most one more than the newlines; paragraphs, which end at two or
        // more, at most one more than half of them.
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let mut n_paras = 0usize;
        let (dups, dup_chars) = find_duplicates(
            text,
            paragraphs(py_strip(text)).inspect(|_| n_paras += 1),
            newlines / 2 + 1,
            &mut doc.scratch().seen,
        );
        let frac = dups as f64 / n_paras as f64;
        if self.dup_para_frac > 0.0
            && measured(
                STEP,
                "dup_para_frac",
                frac,
                self.dup_para_frac,
                frac > self.dup_para_frac,
            )
        {
            return drop("dup_para_frac", frac, self.dup_para_frac);
        }
        let frac = dup_chars as f64 / len;
        if self.dup_para_char_frac > 0.0
            && measured(
                STEP,
                "dup_para_char_frac",
                frac,
                self.dup_para_char_frac,
                frac > self.dup_para_char_frac,
            )
        {
            return drop("dup_para_char_frac", frac, self.dup_para_char_frac);
        }

        let mut n_lines = 0usize;
        let (dups, dup_chars) = find_duplicates(
            text,
            line_runs(text).inspect(|_| n_lines += 1),
            newlines + 1,
            &mut doc.scratch().seen,
        );
        let frac = dups as f64 / n_lines as f64;
        if self.dup_line_frac > 0.0
            && measured(
                STEP,
                "dup_line_frac",
                frac,
                self.dup_line_frac,
                frac > self.dup_line_frac,
            )
        {
            return drop("dup_line_frac", frac, self.dup_line_frac);
        }
        let frac = dup_chars as f64 / len;
        if self.dup_line_char_frac > 0.0
            && measured(
                STEP,
                "dup_line_char_frac",
                frac,
                self.dup_line_char_frac,
                frac > self.dup_line_char_frac,
            )
        {
            return drop("dup_line_char_frac", frac, self.dup_line_char_frac);
        }

        doc.words_and_facts();
        let (_, s) = doc.words_and_scratch();
        // The word facts are taken out of the scratch space while it lends its other
        // buffers.
        let facts = std::mem::take(&mut s.facts);
        let n_words = facts.len();
        // An n-gram's characters are its words' characters (needed only for the few n-grams
        // that are measured).
        let chars_at = |i: usize, n: usize| -> u64 {
            facts[i..i + n].iter().map(|f| u64::from(f.chars)).sum()
        };
        let ngrams = NGrams::measure(
            &facts,
            chars_at,
            self.top_n_grams.iter().map(|&(n, _)| n),
            self.dup_n_grams.iter().map(|&(n, _)| n),
            s,
        );
        let mut verdict = Verdict::Keep;
        for &(n, max) in &self.top_n_grams {
            if n == 0 || n_words < n {
                continue;
            }
            let frac = ngrams.top_chars[n] as f64 / len;
            if max > 0.0 && measured(STEP, reason_name("top", n, "gram"), frac, max, frac > max) {
                verdict = drop(reason_name("top", n, "gram"), frac, max);
                break;
            }
        }
        if matches!(verdict, Verdict::Keep) {
            for &(n, max) in &self.dup_n_grams {
                if n == 0 {
                    continue;
                }
                let frac = ngrams.dup_chars[n] as f64 / len;
                if max > 0.0
                    && measured(
                        STEP,
                        reason_name("duplicated", n, "n_grams"),
                        frac,
                        max,
                        frac > max,
                    )
                {
                    verdict = drop(reason_name("duplicated", n, "n_grams"), frac, max);
                    break;
                }
            }
        }
        s.facts = facts;
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Scratch;

    fn check(text: &str) -> Option<(String, f64, f64)> {
        let mut scratch = Scratch::default();
        match GopherRepetition::default().check(&mut Doc::new(text, &mut scratch)) {
            Verdict::Drop(r) => Some((r.reason.into_owned(), r.value, r.threshold)),
            _ => None,
        }
    }

    /// datatrove's n-gram measures written plainly over word lists: the most frequent
    /// n-gram (of those with the top count, the one that occurs first) and the
    /// left-to-right repeat scan.
    fn naive(words: &[&str], n: usize) -> (u64, u64) {
        let grams: Vec<&[&str]> = words.windows(n).collect();
        let chars = |g: &[&str]| g.iter().map(|w| w.chars().count() as u64).sum::<u64>();
        let mut top = (0u64, 0u64); // (count, chars)
        for (i, g) in grams.iter().enumerate() {
            let count = grams.iter().filter(|h| h == &g).count() as u64;
            let first = grams.iter().position(|h| h == g) == Some(i);
            if first && count > top.0 {
                top = (count, (chars(g) + n as u64 - 1) * count);
            }
        }
        let mut seen = std::collections::HashSet::new();
        let (mut dup, mut i) = (0, 0);
        while i + n <= words.len() {
            if seen.insert(grams[i]) {
                i += 1;
            } else {
                dup += chars(grams[i]);
                i += n;
            }
        }
        (top.1, dup)
    }

    proptest::proptest! {
        #[test]
        fn n_gram_measures_match_the_plain_definition(
            picks in proptest::collection::vec(0usize..5, 0..60),
            top_ns in proptest::collection::btree_set(1usize..=7, 0..4),
            dup_ns in proptest::collection::btree_set(1usize..=10, 0..5),
        ) {
            const VOCAB: [&str; 5] = ["a", "bb", "the", "été", "of"];
            let words: Vec<&str> = picks.iter().map(|&k| VOCAB[k]).collect();
            let text = words.join(" ");
            let mut spans = Vec::new();
            crate::text::tokens::words_into(&text, &mut spans);
            let facts: Vec<WordFacts> = spans
                .iter()
                .map(|sp| crate::text::word_facts(text.as_bytes(), sp.start as usize, sp.end as usize))
                .collect();
            let chars_at = |i: usize, n: usize| -> u64 {
                facts[i..i + n].iter().map(|f| u64::from(f.chars)).sum()
            };
            // Twice on the same buffers: nothing may leak from one document to the next.
            let mut scratch = Scratch::default();
            for _ in 0..2 {
                let got = NGrams::measure(
                    &facts,
                    chars_at,
                    top_ns.iter().copied(),
                    dup_ns.iter().copied(),
                    &mut scratch,
                );
                for &n in &top_ns {
                    if words.len() >= n {
                        proptest::prop_assert_eq!(got.top_chars[n], naive(&words, n).0, "top {}", n);
                    }
                }
                for &n in &dup_ns {
                    proptest::prop_assert_eq!(got.dup_chars[n], naive(&words, n).1, "dup {}", n);
                }
            }
        }
    }

    #[test]
    fn splits_like_python_re() {
        assert_eq!(
            paragraphs("a\n\nb\n\n\nc\nd").collect::<Vec<_>>(),
            ["a", "b", "c\nd"]
        );
        assert_eq!(
            line_runs("\na\n\nb\n").collect::<Vec<_>>(),
            ["", "a", "b", ""]
        );
    }

    // Expected reasons and values come from datatrove 0.10.1 on the same texts.
    #[test]
    fn repeated_paragraphs() {
        let r = check("alpha beta\n\nalpha beta\n\ngamma delta").unwrap();
        assert_eq!(r.0, "dup_para_frac");
        assert!((r.1 - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn top_n_grams_use_the_first_most_frequent() {
        let r = check("one line here\nanother line\none line here\nlast line, longer than others")
            .unwrap();
        assert_eq!((r.0.as_str(), r.1), ("top_2_gram", 16.0 / 70.0));
        let r = check("buy now buy now buy now, it is the best offer of the year for everyone")
            .unwrap();
        assert_eq!((r.0.as_str(), r.1), ("top_2_gram", 21.0 / 70.0));
        // Every 4-gram is unique, and the first one alone is 21 of 126 characters.
        let r = check("The report covers the last quarter. Sales rose in the north and fell in the south, while costs stayed flat across all regions.").unwrap();
        assert_eq!((r.0.as_str(), r.1), ("top_4_gram", 21.0 / 126.0));
    }

    #[test]
    fn duplicated_n_grams() {
        let text = "Rivers carry sediment from distant mountains toward quiet coastal plains. \
            Farmers plant barley whenever spring rains arrive early enough. Engineers measure \
            bridge vibrations using small wireless sensors. Children learn arithmetic faster \
            through playful counting games. Historians debate medieval trade routes across \
            frozen northern seas. Rivers carry sediment from distant mountains toward quiet \
            coastal plains. Musicians rehearse complicated symphonies during long winter \
            evenings.";
        let r = check(text).unwrap();
        assert_eq!(r.0, "duplicated_9_n_grams");
        assert!((r.1 - 0.118_257_261_410_788_38).abs() < 1e-12, "{r:?}");
    }

    #[test]
    fn single_word_rules_when_asked() {
        // datatrove measures n = 1 like any other n: "a" is 1 character x 6, of 19.
        let rules = GopherRepetition {
            top_n_grams: vec![(1, 0.3)],
            dup_n_grams: vec![(1, 0.9)],
            ..GopherRepetition::default()
        };
        let mut scratch = Scratch::default();
        let Verdict::Drop(r) = rules.check(&mut Doc::new("a b a c a d a e a a", &mut scratch))
        else {
            panic!()
        };
        assert_eq!((&*r.reason, r.value), ("top_1_gram", 6.0 / 19.0));
    }

    #[test]
    fn clean_text_passes() {
        let text = "The committee met on Tuesday to discuss the budget, and members agreed that \
            the plan would have to be revised with care. Several of them said the proposal was \
            too vague to vote on. The chair promised a new draft with clear figures by the end \
            of the month, and the meeting closed after two hours of debate about the schools \
            and the roads.";
        assert_eq!(check(text), None);
    }
}
