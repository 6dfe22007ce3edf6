//! C4 quality rules (Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a
//! Unified Text-to-Text Transformer", section 2.2), as datatrove 0.10.1 implements them in
//! `pipeline/filters/c4_filters.py` (`C4QualityFilter`), with the TFDS reference code's
//! options (`tensorflow_datasets/text/c4_utils.py`).
//!
//! Each line (Python `splitlines()`), stripped of surrounding whitespace, goes through these
//! checks in order; a removed line is logged with its reason:
//!
//! 1. `too_long_word`: a whitespace-separated word longer than 1,000 characters removes it.
//! 2. Citation markers `[1]`, `[edit]`, `[citation needed]` are deleted from it.
//! 3. `no_terminal_punct`: it must end in `.`, `?`, `!`, `"` or `'` and not in `...`
//!    (switch off with `filter_no_terminal_punct = false`, as FineWeb does).
//! 4. `too_few_words`: it needs at least 3 whitespace-separated words (5 in TFDS).
//! 5. `lorem_ipsum` anywhere in it drops the **document**.
//! 6. `javascript`: a line mentioning "javascript" is removed.
//! 7. `curly_bracket`: a `{` drops the **document**.
//! 8. `policy`: a line mentioning "terms of use", "privacy policy", "cookie policy",
//!    "uses cookies", "use of cookies" or "use cookies" is removed.
//!
//! Kept lines' sentences are counted (spaCy's rule-based sentencizer, see
//! [`crate::text::tokens::count_sentences`]); fewer than 5 (3 in TFDS) drops the document as
//! `too_few_sentences`. The kept lines, joined with `\n` and stripped, become the new text.
//! Note that checks 5 and 7 only see lines that survived checks 1–4, as in datatrove.

use crate::step::measured;
use serde::{Deserialize, Serialize};

use super::{py_strip, Doc};
use crate::step::{Filter, Rejection, RemovedLine, Verdict};
use crate::text::tokens::{count_sentences, count_sentences_of, is_py_space, Span, Tokenizer};

/// Settings of the C4 rules (datatrove's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[allow(clippy::struct_excessive_bools)] // datatrove's switches, one per rule
pub struct C4Quality {
    /// Delete `[1]`, `[edit]` and `[citation needed]`.
    pub remove_citations: bool,
    /// Remove lines that do not end in terminal punctuation.
    pub filter_no_terminal_punct: bool,
    /// Fewest sentences in the kept lines (-1: no minimum).
    pub min_num_sentences: i64,
    /// Fewest words per kept line (-1: no minimum).
    pub min_words_per_line: i64,
    /// Longest word allowed in a kept line (-1: no limit).
    pub max_word_length: i64,
    /// Drop documents containing "lorem ipsum".
    pub filter_lorem_ipsum: bool,
    /// Remove lines mentioning "javascript".
    pub filter_javascript: bool,
    /// Drop documents containing `{`.
    pub filter_curly_bracket: bool,
    /// Remove lines with cookie and terms-of-use phrases.
    pub filter_policy: bool,
}

impl Default for C4Quality {
    fn default() -> Self {
        C4Quality {
            remove_citations: true,
            filter_no_terminal_punct: true,
            min_num_sentences: 5,
            min_words_per_line: 3,
            max_word_length: 1000,
            filter_lorem_ipsum: true,
            filter_javascript: true,
            filter_curly_bracket: true,
            filter_policy: true,
        }
    }
}

const STEP: &str = "c4";

const POLICY: [&str; 6] = [
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
];

/// Deletes `[digits]`, `[edit]` and `[citation needed]` (Python's `\[\d*]` counts any
/// Unicode decimal digit).
fn remove_citations(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('[') {
        return line.into();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find('[') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let digits = after
            .char_indices()
            .find(|&(_, c)| !(c.is_numeric() && is_decimal(c)))
            .map_or(after.len(), |(j, _)| j);
        let skip = if after[digits..].starts_with(']') {
            Some(digits + 1)
        } else if after.starts_with("edit]") {
            Some(5)
        } else if after.starts_with("citation needed]") {
            Some(16)
        } else {
            None
        };
        if let Some(n) = skip {
            rest = &after[n..];
        } else {
            out.push('[');
            rest = after;
        }
    }
    out.push_str(rest);
    out.into()
}

fn as_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn is_decimal(c: char) -> bool {
    c.is_ascii_digit()
        || (!c.is_ascii()
            && unicode_general_category::get_general_category(c)
                == unicode_general_category::GeneralCategory::DecimalNumber)
}

/// `line.lower()` into `out` (ASCII lowercasing when the line is ASCII).
fn lowercase_into(line: &str, out: &mut String) {
    out.clear();
    if line.is_ascii() {
        out.push_str(line);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&line.to_lowercase());
    }
}

static FINDERS: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 8]> =
    std::sync::LazyLock::new(|| {
        let f = memchr::memmem::Finder::new;
        [
            f("lorem ipsum"),
            f("javascript"),
            f(POLICY[0]),
            f(POLICY[1]),
            f(POLICY[2]),
            f(POLICY[3]),
            f(POLICY[4]),
            f(POLICY[5]),
        ]
    });

/// Words that the phrases [`FINDERS`] 3 to 7 contain (see [`Phrases::find`]).
static ANCHORS: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
    std::sync::LazyLock::new(|| {
        debug_assert!(POLICY[1..3].iter().all(|p| p.contains("policy")));
        debug_assert!(POLICY[2..].iter().all(|p| p.contains("cookie")));
        [
            memchr::memmem::Finder::new("policy"),
            memchr::memmem::Finder::new("cookie"),
        ]
    });

fn has(finder: &memchr::memmem::Finder<'_>, hay: &str) -> bool {
    finder.find(hay.as_bytes()).is_some()
}

impl Filter for C4Quality {
    fn name(&self) -> &'static str {
        STEP
    }

    #[allow(clippy::too_many_lines)] // the line rules in datatrove's order
    fn check(&self, doc: &mut Doc<'_, '_>) -> Verdict {
        let text = doc.text();
        // The phrase rules look for lowercase phrases in lowercased lines; one search of the
        // whole document says which phrases can occur at all (usually none).
        let phrases = if self.filter_lorem_ipsum || self.filter_javascript || self.filter_policy {
            Phrases::find(text)
        } else {
            Phrases::default()
        };
        // Citations need a `[` and the curly-bracket rule a `{`: one pass over the
        // document says whether any line needs looking at (usually none).
        let brackets = memchr::memchr(b'[', text.as_bytes()).is_some();
        let curly = self.filter_curly_bracket && memchr::memchr(b'{', text.as_bytes()).is_some();
        let (words, lines) = doc.words_and_lines();
        let mut tokenizer = Tokenizer::default();
        let mut next_word = 0;
        let mut kept = String::with_capacity(text.len());
        let mut kept_words: Vec<Span> = Vec::with_capacity(words.len());
        let mut line_buf: Vec<Span> = Vec::new();
        let mut removed = Vec::new();
        let mut sentences: i64 = 0;
        // Sentences are counted until there are enough (the rule passes whatever follows),
        // or to the end while `explain` records the exact count.
        let all_sentences = crate::step::tracing();
        let count_more = |sentences: i64| {
            self.min_num_sentences != -1 && (all_sentences || sentences < self.min_num_sentences)
        };
        let mut lower = String::new();
        let mut verdict = None;
        for (i, &(a, b)) in lines.iter().enumerate() {
            let raw = &text[a as usize..b as usize];
            let line = py_strip(raw);
            // Blank lines go without a log entry: they hold nothing to explain.
            let mut remove = |reason: &'static str| {
                if line.is_empty() {
                    return;
                }
                removed.push(RemovedLine {
                    step: STEP,
                    reason,
                    line: i + 1,
                    text: raw.to_string(),
                });
            };
            // The line's words: the document's words inside it.
            let start = offset(text, line);
            let end = start + line.len();
            while next_word < words.len() && (words[next_word].start as usize) < start {
                next_word += 1;
            }
            let first_word = next_word;
            while next_word < words.len() && (words[next_word].end as usize) <= end {
                next_word += 1;
            }
            let line_words = &words[first_word..next_word];

            // Counted before citations are cut, as in datatrove; only as far as needed.
            let enough_words = has_words(line, self.min_words_per_line);
            // A word is never longer than its line: only long lines need measuring.
            let too_long = self.max_word_length >= 0
                && as_i64(line.len()) > self.max_word_length
                && as_i64(longest_word(line)) > self.max_word_length;
            if too_long {
                remove("too_long_word");
                continue;
            }
            let line = if self.remove_citations && brackets {
                remove_citations(line)
            } else {
                line.into()
            };
            if self.filter_no_terminal_punct
                && (!line.ends_with(['.', '?', '!', '"', '\'']) || line.ends_with("..."))
            {
                remove("no_terminal_punct");
                continue;
            }
            if !enough_words {
                remove("too_few_words");
                continue;
            }
            // Which phrases to look for in this line, and the line lowercased: cut from the
            // document's lowercase copy, or (citations cut out of it) lowercased anew, when it
            // may hold any phrase.
            let borrowed = matches!(line, std::borrow::Cow::Borrowed(_));
            let mask = if borrowed { phrases.mask } else { u8::MAX };
            let line_lower: &str = if mask == 0 {
                ""
            } else if let (true, Some(doc_lower)) = (borrowed, &phrases.doc_lower) {
                &doc_lower[start..end]
            } else {
                lowercase_into(&line, &mut lower);
                &lower
            };
            let finders = &*FINDERS;
            let found = |k: usize| mask & (1 << k) != 0 && has(&finders[k], line_lower);
            if self.filter_lorem_ipsum && found(0) {
                verdict = Some(Verdict::Drop(Rejection::new(STEP, "lorem_ipsum", 1.0, 0.0)));
                break;
            }
            if self.filter_javascript && found(1) {
                remove("javascript");
                continue;
            }
            if curly && line.contains('{') {
                verdict = Some(Verdict::Drop(Rejection::new(
                    STEP,
                    "curly_bracket",
                    1.0,
                    0.0,
                )));
                break;
            }
            if self.filter_policy && (2..FINDERS.len()).any(found) {
                remove("policy");
                continue;
            }
            // The kept line's words, moved to where the line lands in the new text.
            let at = kept.len();
            if borrowed {
                if count_more(sentences) {
                    sentences += as_i64(count_sentences_of(text, line_words));
                }
                kept_words.extend(line_words.iter().map(|w| shift(*w, start, at)));
            } else {
                // Citations were cut out: the line has new words, and may now begin or end
                // with whitespace, which the sentencizer sees as a token of its own.
                line_buf.clear();
                tokenizer.run(&line, &mut line_buf);
                if count_more(sentences) {
                    sentences += as_i64(count_sentences(&line, &mut tokenizer));
                }
                kept_words.extend(line_buf.iter().map(|w| shift(*w, 0, at)));
            }
            kept.push_str(&line);
            kept.push('\n');
        }
        if let Some(v) = verdict {
            return v;
        }
        if self.min_num_sentences != -1
            && measured(
                STEP,
                "too_few_sentences",
                sentences as f64,
                self.min_num_sentences as f64,
                sentences < self.min_num_sentences,
            )
        {
            return Verdict::Drop(Rejection::new(
                STEP,
                "too_few_sentences",
                sentences as f64,
                self.min_num_sentences as f64,
            ));
        }
        let new = py_strip(&kept);
        if new == text && removed.is_empty() {
            return Verdict::Keep;
        }
        let front = offset(&kept, new);
        if front > 0 {
            for w in &mut kept_words {
                *w = shift(*w, front, 0);
            }
        }
        Verdict::Edit {
            text: new.to_string(),
            removed,
            words: Some(kept_words),
        }
    }
}

/// Python's `str.isspace` for ASCII bytes.
#[inline]
fn is_ascii_py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f)
}

/// Whether `line` has at least `k` whitespace-separated words (Python's
/// `len(line.split()) >= k`), reading only as far as it takes to find them.
fn has_words(line: &str, wanted: i64) -> bool {
    if wanted <= 0 {
        return true;
    }
    let bytes = line.as_bytes();
    let (mut found, mut in_word, mut at) = (0i64, false, 0);
    while at < bytes.len() {
        let b = bytes[at];
        let (space, len) = if b < 0x80 {
            (is_ascii_py_space(b), 1)
        } else {
            let c = line[at..].chars().next().expect("a character starts here");
            (is_py_space(c), c.len_utf8())
        };
        if !space && !in_word {
            found += 1;
            if found >= wanted {
                return true;
            }
        }
        in_word = !space;
        at += len;
    }
    false
}

/// The length in characters of the longest of Python's `line.split()` words.
fn longest_word(line: &str) -> usize {
    if line.is_ascii() {
        return line
            .as_bytes()
            .split(|&b| is_ascii_py_space(b))
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0);
    }
    line.split(is_py_space)
        .map(crate::text::char_count)
        .max()
        .unwrap_or(0)
}

/// `w` moved from a text where its line starts at `from` to one where it starts at `to`.
#[allow(clippy::cast_possible_truncation)] // documents are far below 4 GiB
fn shift(w: Span, from: usize, to: usize) -> Span {
    let (from, to) = (from as u32, to as u32);
    Span {
        start: w.start - from + to,
        end: w.end - from + to,
    }
}

/// Byte offset of `part` (a slice of `text`) in `text`.
fn offset(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

/// Which of the phrases (as in [`FINDERS`]) occur in a document, case-insensitively, and the
/// document lowercased when lines can be cut from it.
#[derive(Default)]
struct Phrases {
    mask: u8,
    doc_lower: Option<String>,
}

impl Phrases {
    fn find(text: &str) -> Phrases {
        // ASCII case folding keeps every byte offset and finds every match Unicode
        // lowercasing would, except through the Kelvin sign (which lowercases to `k`):
        // documents with one lowercase each line the Unicode way.
        let kelvin = !text.is_ascii() && text.contains('\u{212a}');
        let mut lower = String::new();
        if kelvin {
            lowercase_into(text, &mut lower);
        } else {
            lower.push_str(text);
            lower.make_ascii_lowercase();
        }
        // Phrases 3 and 4 hold "policy", 4 to 7 "cookie": one search for each word rules
        // out several phrases at once in the usual document that has neither.
        let (policy, cookie) = (has(&ANCHORS[0], &lower), has(&ANCHORS[1], &lower));
        let mut mask = 0u8;
        for (k, f) in FINDERS.iter().enumerate() {
            let possible = match k {
                3 => policy,
                4 => policy && cookie,
                5..=7 => cookie,
                _ => true,
            };
            if possible && has(f, &lower) {
                mask |= 1 << k;
            }
        }
        Phrases {
            mask,
            doc_lower: (!kelvin && mask != 0).then_some(lower),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Scratch;

    fn run(f: &C4Quality, text: &str) -> Verdict {
        let mut scratch = Scratch::default();
        f.check(&mut Doc::new(text, &mut scratch))
    }

    #[test]
    fn citations() {
        assert_eq!(
            remove_citations("a[1] b[edit] c[citation needed] d[x] e[]"),
            "a b c d[x] e"
        );
    }

    #[test]
    fn removes_lines_and_says_why() {
        let text = "Home | About\n\
            The council approved the new budget on Monday. It covers schools and roads.\n\
            Please enable JavaScript to view the comments.\n\
            Officials said the plan would take effect in May. Critics were not convinced.\n\
            Read our privacy policy for details.\n\
            Too short.\n\
            The mayor thanked residents for their patience. More meetings are planned.";
        let Verdict::Edit {
            text: out,
            removed,
            words,
        } = run(&C4Quality::default(), text)
        else {
            panic!("kept with edits expected");
        };
        assert_eq!(
            out,
            "The council approved the new budget on Monday. It covers schools and roads.\n\
             Officials said the plan would take effect in May. Critics were not convinced.\n\
             The mayor thanked residents for their patience. More meetings are planned."
        );
        let why: Vec<(usize, &str)> = removed.iter().map(|r| (r.line, r.reason)).collect();
        assert_eq!(
            why,
            [
                (1, "no_terminal_punct"),
                (3, "javascript"),
                (5, "policy"),
                (6, "too_few_words")
            ]
        );
        // The words handed on are those of the new text.
        let mut fresh = Vec::new();
        crate::text::tokens::words_into(&out, &mut fresh);
        assert_eq!(words, Some(fresh));
    }

    #[test]
    fn sentences_are_counted_in_full_while_explain_traces() {
        // Seven sentences: the rule knows it passes after five, but `explain` shows seven.
        let text = "One went. Two came. Three sat.\nFour stood. Five ran.\nSix fell. Seven rose.";
        let c4 = C4Quality {
            filter_no_terminal_punct: false,
            min_words_per_line: 1,
            ..C4Quality::default()
        };
        let (verdict, measures) = crate::step::trace(|| run(&c4, text));
        assert!(matches!(verdict, Verdict::Keep), "{verdict:?}");
        let m = measures
            .iter()
            .find(|m| m.rule == "too_few_sentences")
            .expect("measured");
        assert_eq!((m.value, m.fails), (7.0, false));
        assert!(matches!(run(&c4, text), Verdict::Keep));
    }

    #[test]
    fn whitespace_left_by_citations_counts_as_spacy_sees_it() {
        // datatrove 0.10.1 keeps this with filter_no_terminal_punct off: the last line becomes
        // "The river rose fast.  ", whose trailing whitespace token starts a 5th sentence.
        let text = "The council met today.\nThe mayor spoke first.\nResidents asked questions.\n\
                    The river rose fast. [1] [2]";
        let c4 = C4Quality {
            filter_no_terminal_punct: false,
            ..C4Quality::default()
        };
        assert!(matches!(run(&c4, text), Verdict::Edit { .. }));
        let Verdict::Drop(r) = run(&c4, "The river rose fast. Then it fell.\n[1] [2] [3]") else {
            panic!()
        };
        // 2 sentences, and 1 for the line left as whitespace.
        assert_eq!((&*r.reason, r.value), ("too_few_sentences", 3.0));
    }

    #[test]
    fn words_handed_on_after_citations_and_stripping() {
        let text =
            "\n  Menu\nThe river rose[1] overnight. Roads closed at dawn. Schools shut.\n   \
            Officials said the water would fall by Friday[citation needed]. Residents waited.";
        let Verdict::Edit {
            text: out, words, ..
        } = run(&C4Quality::default(), text)
        else {
            panic!("kept with edits expected");
        };
        let mut fresh = Vec::new();
        crate::text::tokens::words_into(&out, &mut fresh);
        assert_eq!(words, Some(fresh));
    }

    #[test]
    fn document_rules() {
        let Verdict::Drop(r) = run(
            &C4Quality::default(),
            "One sentence here. Two sentences here.",
        ) else {
            panic!()
        };
        assert_eq!(
            (&*r.reason, r.value, r.threshold),
            ("too_few_sentences", 2.0, 5.0)
        );
        let Verdict::Drop(r) = run(&C4Quality::default(), "Lorem ipsum dolor sit amet.") else {
            panic!()
        };
        assert_eq!(r.reason, "lorem_ipsum");
        let Verdict::Drop(r) = run(&C4Quality::default(), "The value is {x} in the code.") else {
            panic!()
        };
        assert_eq!(r.reason, "curly_bracket");
        // A bracket on a line removed earlier does not drop the document.
        let text = "function f() {\nA first sentence. A second one. A third one. A fourth. And a fifth one.";
        assert!(matches!(
            run(&C4Quality::default(), text),
            Verdict::Edit { .. }
        ));
    }
}
