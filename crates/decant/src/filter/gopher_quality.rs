//! Gopher quality rules (Rae et al. 2021, "Scaling Language Models: Methods, Analysis &
//! Insights from Training Gopher", appendix A.1.1), as datatrove 0.10.1 implements them in
//! `pipeline/filters/gopher_quality_filter.py`. Checked in this order; the first failing
//! rule names the drop:
//!
//! | reason | measured | default |
//! |---|---|---|
//! | `gopher_short_doc` / `gopher_long_doc` | words that are not only punctuation | < 50 / > 100,000 |
//! | `gopher_below_avg_threshold` / `gopher_above_avg_threshold` | mean length of those words, in characters | < 3 / > 10 |
//! | `gopher_too_many_hashes` | `#` characters per word | > 0.1 |
//! | `gopher_too_many_ellipsis` | `...` and `…` per word | > 0.1 |
//! | `gopher_too_many_bullets` | share of lines starting (after spaces) with `•` or `-` | > 0.9 |
//! | `gopher_too_many_end_ellipsis` | share of lines ending with `...` or `…` | > 0.3 |
//! | `gopher_below_alpha_threshold` | share of words with at least one letter | < 0.8 |
//! | `gopher_enough_stop_words` | distinct stop words present (case-sensitive) | < 2 |
//!
//! "Words" are all tokens, punctuation included, except where the table says otherwise;
//! lines are Python `splitlines()` lines. A threshold of 0 switches its rule off, as in
//! datatrove.

use crate::step::measured;
use serde::{Deserialize, Serialize};

use super::{count_non_overlapping, is_datatrove_punct, Doc};
use crate::step::{Filter, Rejection, Verdict};
use crate::text::tokens::{is_py_alpha, is_py_space};

/// Settings of the Gopher quality rules (datatrove's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GopherQuality {
    /// Fewest non-symbol words.
    pub min_doc_words: usize,
    /// Most non-symbol words.
    pub max_doc_words: usize,
    /// Smallest mean non-symbol word length.
    pub min_avg_word_length: f64,
    /// Largest mean non-symbol word length.
    pub max_avg_word_length: f64,
    /// Largest number of `#`, and of ellipses, per word.
    pub max_symbol_word_ratio: f64,
    /// Largest share of bullet lines.
    pub max_bullet_lines_ratio: f64,
    /// Largest share of lines ending in an ellipsis.
    pub max_ellipsis_lines_ratio: f64,
    /// Smallest share of words containing a letter (datatrove's misnamed
    /// `max_non_alpha_words_ratio`).
    pub max_non_alpha_words_ratio: f64,
    /// Fewest distinct stop words.
    pub min_stop_words: usize,
    /// The stop words (Gopher's list).
    pub stop_words: Vec<String>,
}

impl Default for GopherQuality {
    fn default() -> Self {
        GopherQuality {
            min_doc_words: 50,
            max_doc_words: 100_000,
            min_avg_word_length: 3.0,
            max_avg_word_length: 10.0,
            max_symbol_word_ratio: 0.1,
            max_bullet_lines_ratio: 0.9,
            max_ellipsis_lines_ratio: 0.3,
            max_non_alpha_words_ratio: 0.8,
            min_stop_words: 2,
            stop_words: ["the", "be", "to", "of", "and", "that", "have", "with"]
                .map(String::from)
                .to_vec(),
        }
    }
}

const STEP: &str = "gopher_quality";

fn drop(reason: &'static str, value: f64, threshold: f64) -> Verdict {
    Verdict::Drop(Rejection::new(STEP, reason, value, threshold))
}

impl Filter for GopherQuality {
    fn name(&self) -> &'static str {
        STEP
    }

    #[allow(clippy::too_many_lines)] // the rules in datatrove's order, one after the other
    fn check(&self, doc: &mut Doc<'_, '_>) -> Verdict {
        let text = doc.text();
        let (words, facts) = doc.words_and_facts();
        let n_words = words.len();
        let (mut n_content, mut content_chars, mut n_alpha) = (0usize, 0usize, 0usize);
        // ASCII words first, for all words at once: a word holds no whitespace, so an ASCII
        // one has a character outside datatrove's punctuation exactly when it has a letter
        // or digit (both facts are false for other words). Counted without a branch: words
        // and punctuation alternate unpredictably.
        let mut non_ascii = 0usize;
        for f in facts {
            n_content += usize::from(f.ascii_alnum);
            content_chars += std::hint::select_unpredictable(f.ascii_alnum, f.chars as usize, 0);
            n_alpha += usize::from(f.ascii_letter);
            non_ascii += usize::from(!f.ascii);
        }
        // Then the other words, by their characters, in texts that have any.
        if non_ascii > 0 {
            for (w, f) in words.iter().zip(facts).filter(|(_, f)| !f.ascii) {
                let w = w.text(text);
                let content = w.chars().any(|c| !is_datatrove_punct(c));
                n_content += usize::from(content);
                content_chars += if content { f.chars as usize } else { 0 };
                n_alpha += usize::from(w.chars().any(is_py_alpha));
            }
        }
        // Bit i: stop word i present. Stop words are looked up until enough are present
        // (the rule passes whatever follows), or to the end while `explain` records the
        // exact count.
        let mut stop_seen = 0u64;
        if self.min_stop_words > 0 {
            let stops = StopWords::new(&self.stop_words);
            let all_stops = crate::step::tracing();
            for (w, f) in words.iter().zip(facts) {
                stop_seen |= stops.bit(f.hash, w.text(text));
                if !all_stops && stop_seen.count_ones() as usize >= self.min_stop_words {
                    break;
                }
            }
        }
        if self.min_doc_words > 0
            && measured(
                STEP,
                "gopher_short_doc",
                n_content as f64,
                self.min_doc_words as f64,
                n_content < self.min_doc_words,
            )
        {
            return drop(
                "gopher_short_doc",
                n_content as f64,
                self.min_doc_words as f64,
            );
        }
        if self.max_doc_words > 0
            && measured(
                STEP,
                "gopher_long_doc",
                n_content as f64,
                self.max_doc_words as f64,
                n_content > self.max_doc_words,
            )
        {
            return drop(
                "gopher_long_doc",
                n_content as f64,
                self.max_doc_words as f64,
            );
        }
        // numpy's mean of an empty list is NaN, which fails no comparison.
        let avg = if n_content == 0 {
            f64::NAN
        } else {
            content_chars as f64 / n_content as f64
        };
        if self.min_avg_word_length > 0.0
            && measured(
                STEP,
                "gopher_below_avg_threshold",
                avg,
                self.min_avg_word_length,
                avg < self.min_avg_word_length,
            )
        {
            return drop("gopher_below_avg_threshold", avg, self.min_avg_word_length);
        }
        if self.max_avg_word_length > 0.0
            && measured(
                STEP,
                "gopher_above_avg_threshold",
                avg,
                self.max_avg_word_length,
                avg > self.max_avg_word_length,
            )
        {
            return drop("gopher_above_avg_threshold", avg, self.max_avg_word_length);
        }
        // datatrove divides by zero here on a text without words; decant counts the ratio
        // as zero.
        let per_word = |n: usize| {
            if n_words == 0 {
                0.0
            } else {
                n as f64 / n_words as f64
            }
        };
        if self.max_symbol_word_ratio > 0.0 {
            let hashes = per_word(bytecount(text, b'#'));
            if measured(
                STEP,
                "gopher_too_many_hashes",
                hashes,
                self.max_symbol_word_ratio,
                hashes > self.max_symbol_word_ratio,
            ) {
                return drop("gopher_too_many_hashes", hashes, self.max_symbol_word_ratio);
            }
            let ellipses =
                per_word(count_non_overlapping(text, "...") + count_non_overlapping(text, "…"));
            if measured(
                STEP,
                "gopher_too_many_ellipsis",
                ellipses,
                self.max_symbol_word_ratio,
                ellipses > self.max_symbol_word_ratio,
            ) {
                return drop(
                    "gopher_too_many_ellipsis",
                    ellipses,
                    self.max_symbol_word_ratio,
                );
            }
        }
        if self.max_bullet_lines_ratio > 0.0 || self.max_ellipsis_lines_ratio > 0.0 {
            let (mut bullets, mut end_ellipsis) = (0usize, 0usize);
            let lines = doc.py_line_spans();
            for &(a, b) in lines {
                let line = &text[a as usize..b as usize];
                let l = line.trim_start_matches(is_py_space);
                if l.starts_with('•') || l.starts_with('-') {
                    bullets += 1;
                }
                let r = line.trim_end_matches(is_py_space);
                if r.ends_with("...") || r.ends_with('…') {
                    end_ellipsis += 1;
                }
            }
            let lines = lines.len();
            let share = |n: usize| {
                if lines == 0 {
                    0.0
                } else {
                    n as f64 / lines as f64
                }
            };
            if self.max_bullet_lines_ratio > 0.0
                && measured(
                    STEP,
                    "gopher_too_many_bullets",
                    share(bullets),
                    self.max_bullet_lines_ratio,
                    share(bullets) > self.max_bullet_lines_ratio,
                )
            {
                return drop(
                    "gopher_too_many_bullets",
                    share(bullets),
                    self.max_bullet_lines_ratio,
                );
            }
            if self.max_ellipsis_lines_ratio > 0.0
                && measured(
                    STEP,
                    "gopher_too_many_end_ellipsis",
                    share(end_ellipsis),
                    self.max_ellipsis_lines_ratio,
                    share(end_ellipsis) > self.max_ellipsis_lines_ratio,
                )
            {
                return drop(
                    "gopher_too_many_end_ellipsis",
                    share(end_ellipsis),
                    self.max_ellipsis_lines_ratio,
                );
            }
        }
        if self.max_non_alpha_words_ratio > 0.0 && n_words > 0 {
            let alpha = per_word(n_alpha);
            if measured(
                STEP,
                "gopher_below_alpha_threshold",
                alpha,
                self.max_non_alpha_words_ratio,
                alpha < self.max_non_alpha_words_ratio,
            ) {
                return drop(
                    "gopher_below_alpha_threshold",
                    alpha,
                    self.max_non_alpha_words_ratio,
                );
            }
        }
        if self.min_stop_words > 0 {
            let present = stop_seen.count_ones() as usize;
            if measured(
                STEP,
                "gopher_enough_stop_words",
                present as f64,
                self.min_stop_words as f64,
                present < self.min_stop_words,
            ) {
                return drop(
                    "gopher_enough_stop_words",
                    present as f64,
                    self.min_stop_words as f64,
                );
            }
        }
        Verdict::Keep
    }
}

/// The distinct stop words in a small open-addressing table keyed by their
/// [`hash_str`](crate::text::hash_str), the hash the word facts already hold: a word is
/// looked up with one or two probes, and a hash match is confirmed against the text.
struct StopWords<'a> {
    /// `(hash, bit, word)`; a zero bit marks an empty slot.
    slots: Vec<(u64, u64, &'a str)>,
    shift: u32,
}

impl<'a> StopWords<'a> {
    fn new(words: &'a [String]) -> Self {
        // A set, as in datatrove: a word listed twice counts once. (More than 64 distinct
        // stop words are refused when the rules are read.)
        let mut distinct: Vec<&str> = Vec::new();
        for w in words {
            if !distinct.contains(&w.as_str()) {
                distinct.push(w);
            }
        }
        distinct.truncate(64);
        let size = (2 * distinct.len()).next_power_of_two().max(8);
        let mut s = StopWords {
            slots: vec![(0, 0, ""); size],
            shift: 64 - size.trailing_zeros(),
        };
        for (i, w) in distinct.into_iter().enumerate() {
            let hash = crate::text::hash_str(w);
            let mut k = s.slot(hash);
            while s.slots[k].1 != 0 {
                k = (k + 1) & (size - 1);
            }
            s.slots[k] = (hash, 1u64 << i, w);
        }
        s
    }

    #[inline]
    fn slot(&self, hash: u64) -> usize {
        #[allow(clippy::cast_possible_truncation)] // the shift leaves fewer than 64 bits
        let k = (hash >> self.shift) as usize;
        k
    }

    /// The bit of the stop word equal to `w` (whose hash is `hash`), or 0.
    #[inline]
    fn bit(&self, hash: u64, w: &str) -> u64 {
        let mask = self.slots.len() - 1;
        let mut k = self.slot(hash);
        loop {
            let (h, bit, word) = self.slots[k];
            if bit == 0 {
                return 0;
            }
            if h == hash && word == w {
                return bit;
            }
            k = (k + 1) & mask;
        }
    }
}

fn bytecount(text: &str, b: u8) -> usize {
    memchr::memchr_iter(b, text.as_bytes()).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Scratch;

    fn check(f: &GopherQuality, text: &str) -> Option<(String, f64, f64)> {
        let mut scratch = Scratch::default();
        match f.check(&mut Doc::new(text, &mut scratch)) {
            Verdict::Drop(r) => Some((r.reason.into_owned(), r.value, r.threshold)),
            _ => None,
        }
    }

    const PROSE: &str = "The committee met on Tuesday to discuss the budget, and members agreed \
        that the plan would have to be revised with care. Several of them said the proposal \
        was too vague to vote on. The chair promised a new draft with clear figures by the \
        end of the month, and the meeting closed after two hours of debate about the schools \
        and the roads.";

    #[test]
    fn prose_passes() {
        assert_eq!(check(&GopherQuality::default(), PROSE), None);
    }

    #[test]
    fn short_doc_counts_words_without_punctuation() {
        // 10 words and 2 punctuation tokens.
        let r = check(
            &GopherQuality::default(),
            "The cat sat on the mat, and that was that.",
        );
        assert_eq!(r, Some(("gopher_short_doc".into(), 10.0, 50.0)));
    }

    #[test]
    fn mean_word_length() {
        let text = "a bb a bb a bb a bb the and ".repeat(6);
        let r = check(&GopherQuality::default(), &text).unwrap();
        assert_eq!(r.0, "gopher_below_avg_threshold");
        assert!((r.1 - 1.8).abs() < 1e-12, "{r:?}");
    }

    #[test]
    fn hashes_ellipses_bullets_alpha_and_stop_words() {
        let hashes = format!("{PROSE} {}", "#tag ".repeat(12));
        let r = check(&GopherQuality::default(), &hashes).unwrap();
        assert_eq!(r.0, "gopher_too_many_hashes");
        assert!(r.1 > 0.1 && r.1 < 0.2);

        let bullets = "- the first point is made here with care and the detail\n".repeat(10);
        let r = check(&GopherQuality::default(), &bullets).unwrap();
        assert_eq!((r.0.as_str(), r.1), ("gopher_too_many_bullets", 1.0));

        let ellipsis = format!("{PROSE}\n{}", "and then the story goes on...\n".repeat(3));
        let r = check(&GopherQuality::default(), &ellipsis).unwrap();
        assert_eq!(r.0, "gopher_too_many_end_ellipsis");
        assert!((r.1 - 0.75).abs() < 1e-9);

        let numbers = format!("{PROSE} {}", "1234 5678 ".repeat(20));
        let r = check(&GopherQuality::default(), &numbers).unwrap();
        assert_eq!(r.0, "gopher_below_alpha_threshold");

        // The stop words are a set: listing "the" twice does not make it count twice.
        let twice = GopherQuality {
            stop_words: vec!["the".into(), "the".into()],
            ..GopherQuality::default()
        };
        let r = check(&twice, PROSE.replace(" and ", " or ").as_str()).unwrap();
        assert_eq!((r.0.as_str(), r.1), ("gopher_enough_stop_words", 1.0));

        // A kept text's stop words are counted in full while `explain` traces the rules
        // (PROSE has "the", "be", "to", "of", "and", "that", "have" and "with"), although
        // the rule knows its answer after two.
        let (verdict, measures) = crate::step::trace(|| {
            GopherQuality::default().check(&mut Doc::new(PROSE, &mut Scratch::default()))
        });
        assert!(matches!(verdict, Verdict::Keep));
        let stop = measures
            .iter()
            .find(|m| m.rule == "gopher_enough_stop_words")
            .expect("stop words measured");
        assert_eq!((stop.value, stop.fails), (8.0, false));

        let no_stop = "Apples grow quickly during warm summers while farmers watch. ".repeat(6);
        let r = check(&GopherQuality::default(), &no_stop).unwrap();
        assert_eq!(
            (r.0.as_str(), r.1, r.2),
            ("gopher_enough_stop_words", 0.0, 2.0)
        );
    }
}
