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

use serde::{Deserialize, Serialize};

use super::{py_lines, py_strip, Doc};
use crate::step::{Filter, Rejection, RemovedLine, Verdict};
use crate::text::tokens::{count_sentences, is_py_space};

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

/// Case-insensitive containment of an ASCII lowercase needle (Python's
/// `needle in line.lower()`).
fn contains_lower(line: &str, lower: &mut String, needle: &str) -> bool {
    if line.is_ascii() {
        line.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        if lower.is_empty() {
            *lower = line.to_lowercase();
        }
        lower.contains(needle)
    }
}

impl Filter for C4Quality {
    fn name(&self) -> &'static str {
        STEP
    }

    fn check(&self, doc: &mut Doc<'_, '_>) -> Verdict {
        let text = doc.text();
        let mut tokenizer = std::mem::take(&mut doc.scratch_mut().tokenizer);
        let mut kept = String::with_capacity(text.len());
        let mut removed = Vec::new();
        let mut sentences: i64 = 0;
        let mut lower = String::new();
        let mut verdict = None;
        for (i, raw) in py_lines(text).enumerate() {
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
            let mut n_words: i64 = 0;
            let mut too_long = false;
            for w in line.split(is_py_space).filter(|w| !w.is_empty()) {
                n_words += 1;
                if self.max_word_length >= 0
                    && as_i64(w.len()) > self.max_word_length
                    && as_i64(crate::text::char_count(w)) > self.max_word_length
                {
                    too_long = true;
                }
            }
            if too_long {
                remove("too_long_word");
                continue;
            }
            let line = if self.remove_citations {
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
            if n_words < self.min_words_per_line {
                remove("too_few_words");
                continue;
            }
            lower.clear();
            if self.filter_lorem_ipsum && contains_lower(&line, &mut lower, "lorem ipsum") {
                verdict = Some(Verdict::Drop(Rejection::new(STEP, "lorem_ipsum", 1.0, 0.0)));
                break;
            }
            if self.filter_javascript && contains_lower(&line, &mut lower, "javascript") {
                remove("javascript");
                continue;
            }
            if self.filter_curly_bracket && line.contains('{') {
                verdict = Some(Verdict::Drop(Rejection::new(
                    STEP,
                    "curly_bracket",
                    1.0,
                    0.0,
                )));
                break;
            }
            if self.filter_policy && POLICY.iter().any(|p| contains_lower(&line, &mut lower, p)) {
                remove("policy");
                continue;
            }
            if self.min_num_sentences != -1 {
                sentences += as_i64(count_sentences(&line, &mut tokenizer));
            }
            kept.push_str(&line);
            kept.push('\n');
        }
        doc.scratch_mut().tokenizer = tokenizer;
        if let Some(v) = verdict {
            return v;
        }
        if sentences < self.min_num_sentences {
            return Verdict::Drop(Rejection::new(
                STEP,
                "too_few_sentences",
                sentences as f64,
                self.min_num_sentences as f64,
            ));
        }
        let new = py_strip(&kept).to_string();
        if new == text && removed.is_empty() {
            Verdict::Keep
        } else {
            Verdict::Edit { text: new, removed }
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
        let Verdict::Edit { text: out, removed } = run(&C4Quality::default(), text) else {
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
