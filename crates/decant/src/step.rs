//! The step contract: filters judge a document, repairs rewrite its text, and one adapter
//! does the counting for all of them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::filter::{Doc, Scratch};

/// Why a filter dropped a document: a stable reason name and the measured value against
/// its threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// The step that dropped it (`gopher_quality`, …).
    pub step: &'static str,
    /// The stable reason name (`gopher_short_doc`, `dup_line_frac`, …).
    pub reason: Cow<'static, str>,
    /// The measured value.
    pub value: f64,
    /// The threshold it was measured against.
    pub threshold: f64,
}

impl Rejection {
    /// A rejection by `step` for `reason`, measured `value` against `threshold`.
    pub fn new(
        step: &'static str,
        reason: impl Into<Cow<'static, str>>,
        value: f64,
        threshold: f64,
    ) -> Self {
        Rejection {
            step,
            reason: reason.into(),
            value,
            threshold,
        }
    }
}

/// One rule's measurement against its threshold, recorded while [`trace`] runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// The step (`gopher_quality`, ...).
    pub step: &'static str,
    /// The rule, by the reason it drops documents for.
    pub rule: Cow<'static, str>,
    /// The measured value.
    pub value: f64,
    /// The threshold.
    pub threshold: f64,
    /// Whether the document fails the rule.
    pub fails: bool,
}

thread_local! {
    static TRACE: std::cell::RefCell<Option<Vec<Measure>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with every rule measurement on this thread recorded (for `decant explain`; rules
/// record nothing otherwise).
pub fn trace<R>(f: impl FnOnce() -> R) -> (R, Vec<Measure>) {
    TRACE.with(|t| *t.borrow_mut() = Some(Vec::new()));
    let r = f();
    let measures = TRACE.with(|t| t.borrow_mut().take()).unwrap_or_default();
    (r, measures)
}

/// Whether rule measurements are being recorded on this thread ([`trace`]): a rule may stop
/// measuring once its decision is known only when they are not.
pub(crate) fn tracing() -> bool {
    TRACE.with(|t| t.borrow().is_some())
}

/// A rule's check: returns `fails`, and records the measurement while tracing.
#[inline]
pub(crate) fn measured(
    step: &'static str,
    rule: impl Into<Cow<'static, str>>,
    value: f64,
    threshold: f64,
    fails: bool,
) -> bool {
    TRACE.with(|t| {
        if let Some(v) = t.borrow_mut().as_mut() {
            v.push(Measure {
                step,
                rule: rule.into(),
                value,
                threshold,
                fails,
            });
        }
    });
    fails
}

/// A line a filter removed from a document it kept, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovedLine {
    /// The step that removed it (`c4`).
    pub step: &'static str,
    /// Why (`no_terminal_punct`, `too_few_words`, `javascript`, `policy`, `too_long_word`).
    pub reason: &'static str,
    /// 1-based line number in the text the step saw.
    pub line: usize,
    /// The line's text.
    pub text: String,
}

/// A filter's decision on one document.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The document passes unchanged.
    Keep,
    /// The document passes with a new text (lines removed, whitespace trimmed).
    Edit {
        /// The new text.
        text: String,
        /// The lines removed on the way.
        removed: Vec<RemovedLine>,
        /// The words of the new text, when the filter already knows them (the next filters
        /// then need not split it again).
        words: Option<Vec<crate::text::tokens::Span>>,
    },
    /// The document is dropped, with why.
    Drop(Rejection),
}

/// A rule that keeps, edits or drops whole documents. Implementations only decide;
/// counting and routing the drops is [`Filters`]' job.
pub trait Filter: Send + Sync {
    /// The step name used in stats and rejects.
    fn name(&self) -> &'static str;
    /// Judges one document.
    fn check(&self, doc: &mut Doc<'_, '_>) -> Verdict;
}

/// A step that rewrites a document's text.
pub trait Repair: Send + Sync {
    /// Repairs one text.
    fn repair<'a>(&self, text: &'a str) -> crate::repair::Repaired<'a>;
}

impl Repair for crate::repair::Repairer {
    fn repair<'a>(&self, text: &'a str) -> crate::repair::Repaired<'a> {
        crate::repair::Repairer::repair(self, text)
    }
}

/// Counts of one run of filters; merged across shards with [`FilterStats::merge`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FilterStats {
    /// Documents seen.
    pub seen: u64,
    /// Documents kept by every filter.
    pub kept: u64,
    /// Documents dropped, by `step/reason`.
    pub dropped: BTreeMap<String, u64>,
    /// Lines removed from kept documents, by `step/reason`.
    pub lines_removed: BTreeMap<String, u64>,
}

impl FilterStats {
    /// Adds another shard's counts.
    pub fn merge(&mut self, other: &FilterStats) {
        self.seen += other.seen;
        self.kept += other.kept;
        for (k, v) in &other.dropped {
            *self.dropped.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.lines_removed {
            *self.lines_removed.entry(k.clone()).or_default() += v;
        }
    }
}

/// What the filters made of one document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// The new text, when a filter edited it (kept documents only).
    pub text: Option<String>,
    /// Why the document was dropped, if it was.
    pub rejection: Option<Rejection>,
    /// Lines removed by filters that kept the document (also listed when a later filter
    /// dropped it).
    pub removed: Vec<RemovedLine>,
    /// Fields filters measured for the record's `metadata` (the language filter's
    /// `language` and `language_score`), in the order they were set.
    pub metadata: Vec<(&'static str, serde_json::Value)>,
}

/// The one loop for all filters: runs them in order on the text the previous one left,
/// stops at the first drop, counts.
#[derive(Default)]
pub struct Filters {
    filters: Vec<Box<dyn Filter>>,
}

impl Filters {
    /// Filters that run in the given order.
    pub fn new(filters: Vec<Box<dyn Filter>>) -> Self {
        Filters { filters }
    }

    /// The step names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.filters.iter().map(|f| f.name()).collect()
    }

    /// Judges `text`, counting into `stats`.
    pub fn run(&self, text: &str, scratch: &mut Scratch, stats: &mut FilterStats) -> Outcome {
        let out = self.judge(text, scratch);
        stats.seen += 1;
        for r in &out.removed {
            *stats
                .lines_removed
                .entry(format!("{}/{}", r.step, r.reason))
                .or_default() += 1;
        }
        match &out.rejection {
            Some(r) => {
                *stats
                    .dropped
                    .entry(format!("{}/{}", r.step, r.reason))
                    .or_default() += 1;
            }
            None => stats.kept += 1,
        }
        out
    }

    /// Judges `text` without counting (for callers that count the outcomes themselves, like
    /// the pipeline's writer).
    pub fn judge(&self, text: &str, scratch: &mut Scratch) -> Outcome {
        let mut out = Outcome::default();
        scratch.annotations.clear();
        // Words are computed once per text: filters after the first reuse them until one
        // changes the text.
        let mut fresh = true;
        for f in &self.filters {
            let current = out.text.as_deref().unwrap_or(text);
            let mut doc = if fresh {
                Doc::new(current, scratch)
            } else {
                Doc::same_text(current, scratch)
            };
            fresh = false;
            match f.check(&mut doc) {
                Verdict::Keep => {}
                Verdict::Edit {
                    text: new,
                    removed,
                    words,
                } => {
                    out.removed.extend(removed);
                    if new != current {
                        out.text = Some(new);
                        match words {
                            Some(w) => scratch.set_words(w),
                            None => fresh = true,
                        }
                    }
                }
                Verdict::Drop(r) => {
                    out.rejection = Some(r);
                    out.text = None;
                    out.metadata = std::mem::take(&mut scratch.annotations);
                    return out;
                }
            }
        }
        out.metadata = std::mem::take(&mut scratch.annotations);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct MinWords(usize);
    impl Filter for MinWords {
        fn name(&self) -> &'static str {
            "min_words"
        }
        fn check(&self, doc: &mut Doc<'_, '_>) -> Verdict {
            let n = doc.words().len();
            if n < self.0 {
                Verdict::Drop(Rejection::new(
                    self.name(),
                    "too_few_words",
                    n as f64,
                    self.0 as f64,
                ))
            } else {
                Verdict::Keep
            }
        }
    }

    /// Keeps the first line only.
    struct FirstLine;
    impl Filter for FirstLine {
        fn name(&self) -> &'static str {
            "first_line"
        }
        fn check(&self, doc: &mut Doc<'_, '_>) -> Verdict {
            let text = doc.text();
            match text.split_once('\n') {
                None => Verdict::Keep,
                Some((first, rest)) => Verdict::Edit {
                    text: first.to_string(),
                    removed: vec![RemovedLine {
                        step: "first_line",
                        reason: "not_first",
                        line: 2,
                        text: rest.to_string(),
                    }],
                    words: None,
                },
            }
        }
    }

    #[test]
    fn one_loop_counts_and_names_the_reason() {
        let filters = Filters::new(vec![Box::new(MinWords(3))]);
        let mut scratch = Scratch::default();
        let mut a = FilterStats::default();
        assert_eq!(
            filters.run("one two three", &mut scratch, &mut a),
            Outcome::default()
        );
        let r = filters
            .run("one two", &mut scratch, &mut a)
            .rejection
            .unwrap();
        assert_eq!(
            (&*r.reason, r.value, r.threshold),
            ("too_few_words", 2.0, 3.0)
        );
        let mut b = FilterStats::default();
        filters.run("x", &mut scratch, &mut b);
        a.merge(&b);
        assert_eq!((a.seen, a.kept), (3, 1));
        assert_eq!(a.dropped["min_words/too_few_words"], 2);
    }

    #[test]
    fn later_filters_see_the_edited_text() {
        let filters = Filters::new(vec![Box::new(FirstLine), Box::new(MinWords(3))]);
        let mut scratch = Scratch::default();
        let mut stats = FilterStats::default();
        let out = filters.run("a b c\nd e f g", &mut scratch, &mut stats);
        assert_eq!(out.text.as_deref(), Some("a b c"));
        assert_eq!(out.removed.len(), 1);
        let out = filters.run("a b\nd e f g", &mut scratch, &mut stats);
        assert!((out.rejection.unwrap().value - 2.0).abs() < f64::EPSILON);
        assert_eq!(out.text, None);
        assert_eq!(stats.lines_removed["first_line/not_first"], 2);
    }
}
