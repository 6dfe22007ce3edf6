//! FineWeb quality rules (Penedo et al. 2024, "The FineWeb Datasets", section 3.3.5), as
//! datatrove 0.10.1 implements them in `pipeline/filters/fineweb_quality_filter.py`. Lines
//! are the non-blank pieces between `\n`s (not stripped). Checked in this order:
//!
//! | reason | measured | default |
//! |---|---|---|
//! | `empty` | no non-blank line | — |
//! | `line_punct_ratio` | share of lines ending in terminal punctuation (datatrove's list of 159 sentence-final characters) | < 0.12 |
//! | `short_line_ratio` | share of lines of at most 30 characters | > 0.67 |
//! | `char_dup_ratio` | characters in lines that repeat an earlier line, per character of the text without newlines | > 0.01 |
//! | `list_ratio` | newlines per word | > 0.3 |
//!
//! The repeated-line threshold is 0.01 as in datatrove's code; the paper says 0.1. Both are
//! a setting away (`char_duplicates_ratio`).

use crate::step::measured;
use serde::{Deserialize, Serialize};

use super::{find_duplicates, is_terminal_punct, py_strip, Doc};
use crate::step::{Filter, Rejection, Verdict};
use crate::text::char_count;

/// Settings of the FineWeb rules (datatrove's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FineWebQuality {
    /// Smallest share of lines ending in terminal punctuation.
    pub line_punct_thr: f64,
    /// Let documents with no such line pass the previous rule.
    pub line_punct_exclude_zero: bool,
    /// Largest share of short lines.
    pub short_line_thr: f64,
    /// A line of at most this many characters is short.
    pub short_line_length: usize,
    /// Largest share of characters in repeated lines.
    pub char_duplicates_ratio: f64,
    /// Largest number of newlines per word.
    pub new_line_ratio: f64,
}

impl Default for FineWebQuality {
    fn default() -> Self {
        FineWebQuality {
            line_punct_thr: 0.12,
            line_punct_exclude_zero: false,
            short_line_thr: 0.67,
            short_line_length: 30,
            char_duplicates_ratio: 0.01,
            new_line_ratio: 0.3,
        }
    }
}

const STEP: &str = "fineweb_quality";

fn drop(reason: &'static str, value: f64, threshold: f64) -> Verdict {
    Verdict::Drop(Rejection::new(STEP, reason, value, threshold))
}

impl Filter for FineWebQuality {
    fn name(&self) -> &'static str {
        STEP
    }

    fn check(&self, doc: &mut Doc<'_, '_>) -> Verdict {
        let text = doc.text();
        // The non-blank lines, found once (the duplicate rule reads them again), and the
        // newlines counted on the way.
        let bytes = text.as_bytes();
        let mut lines: Vec<(usize, usize)> = Vec::new();
        let (mut start, mut newlines) = (0, 0);
        loop {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |k| start + k);
            let l = &text[start..end];
            // A line starting with a printable ASCII character is not blank.
            if l.as_bytes().first().is_some_and(|&b| b > b' ' && b < 0x7f)
                || !py_strip(l).is_empty()
            {
                lines.push((start, end));
            }
            if end == bytes.len() {
                break;
            }
            newlines += 1;
            start = end + 1;
        }
        let (mut n, mut punct, mut short) = (0usize, 0usize, 0usize);
        for &(a, b) in &lines {
            let l = &text[a..b];
            n += 1;
            if l.chars().next_back().is_some_and(is_terminal_punct) {
                punct += 1;
            }
            // A character is at most four bytes: a line of more than four times the limit
            // in bytes is over it in characters, without counting them.
            if l.len() <= self.short_line_length
                || (l.len() <= self.short_line_length.saturating_mul(4)
                    && char_count(l) <= self.short_line_length)
            {
                short += 1;
            }
        }
        if n == 0 {
            return drop("empty", 0.0, 0.0);
        }
        let ratio = punct as f64 / n as f64;
        if measured(
            STEP,
            "line_punct_ratio",
            ratio,
            self.line_punct_thr,
            ratio < self.line_punct_thr && !(ratio == 0.0 && self.line_punct_exclude_zero),
        ) {
            return drop("line_punct_ratio", ratio, self.line_punct_thr);
        }
        let ratio = short as f64 / n as f64;
        if measured(
            STEP,
            "short_line_ratio",
            ratio,
            self.short_line_thr,
            ratio > self.short_line_thr,
        ) {
            return drop("short_line_ratio", ratio, self.short_line_thr);
        }
        let (_, dup_chars) = find_duplicates(
            text,
            lines.iter().map(|&(a, b)| &text[a..b]),
            lines.len(),
            &mut doc.scratch().seen,
        );
        let ratio = dup_chars as f64 / (doc.chars() - newlines) as f64;
        if measured(
            STEP,
            "char_dup_ratio",
            ratio,
            self.char_duplicates_ratio,
            ratio > self.char_duplicates_ratio,
        ) {
            return drop("char_dup_ratio", ratio, self.char_duplicates_ratio);
        }
        let words = doc.words().len();
        // datatrove divides by zero here when there are no words; a text with a non-blank
        // line always has one.
        let ratio = newlines as f64 / words.max(1) as f64;
        if measured(
            STEP,
            "list_ratio",
            ratio,
            self.new_line_ratio,
            ratio > self.new_line_ratio,
        ) {
            return drop("list_ratio", ratio, self.new_line_ratio);
        }
        Verdict::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Scratch;

    fn check(text: &str) -> Option<(String, f64, f64)> {
        let mut scratch = Scratch::default();
        match FineWebQuality::default().check(&mut Doc::new(text, &mut scratch)) {
            Verdict::Drop(r) => Some((r.reason.into_owned(), r.value, r.threshold)),
            _ => None,
        }
    }

    #[test]
    fn short_lines_are_counted_in_characters() {
        // Short: 30 characters in 59 bytes, and 30 of four bytes (120 bytes); not short:
        // 31 characters in 121 bytes.
        let text = format!(
            "{}.\n{}\n{}.\n{}.",
            "é".repeat(29),
            "𝔞".repeat(30),
            "ê".repeat(29),
            "𝔟".repeat(30)
        );
        assert_eq!(check(&text), Some(("short_line_ratio".into(), 0.75, 0.67)));
    }

    #[test]
    fn each_rule_with_its_value() {
        let menu = "Home\nNews\nSport\nWeather\nContact us\nAbout this site and its team";
        assert_eq!(check(menu), Some(("line_punct_ratio".into(), 0.0, 0.12)));

        let short = "Yes.\nNo.\nMaybe.\nA much longer line that ends the document properly.";
        assert_eq!(check(short), Some(("short_line_ratio".into(), 0.75, 0.67)));

        let dup = "The first line of the text is long enough to count here.\n\
                   The first line of the text is long enough to count here.";
        let r = check(dup).unwrap();
        assert_eq!(r.0, "char_dup_ratio");
        assert!((r.1 - 0.5).abs() < 1e-12);

        // Four one-word lines: 3 newlines for 8 words (each word and its full stop).
        let list = "Pneumonoultramicroscopicsilicovolcanoconiosis.\n\
                    Hippopotomonstrosesquippedaliophobia.\n\
                    Supercalifragilisticexpialidocious.\n\
                    Pseudopseudohypoparathyroidism.";
        assert_eq!(check(list), Some(("list_ratio".into(), 3.0 / 8.0, 0.3)));
    }
}
