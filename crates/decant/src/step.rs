//! The step contract: filters judge a document, repairs rewrite its text, and one adapter
//! does the counting for all of them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Document;

/// Why a filter dropped a document: a stable reason name and the measured value against
/// its threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// The step that dropped it (`gopher_quality`, …).
    pub step: &'static str,
    /// The stable reason name (`gopher_short_doc`, `dup_line_frac`, …).
    pub reason: &'static str,
    /// The measured value.
    pub value: f64,
    /// The threshold it was measured against.
    pub threshold: f64,
}

/// A filter's decision on one document.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The document passes.
    Keep,
    /// The document is dropped, with why.
    Drop(Rejection),
}

/// A rule that keeps or drops whole documents. Implementations only decide; counting and
/// routing the drops is [`Filters`]' job.
pub trait Filter: Send + Sync {
    /// The step name used in stats and rejects.
    fn name(&self) -> &'static str;
    /// Judges one document.
    fn check(&self, doc: &Document) -> Verdict;
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
}

impl FilterStats {
    /// Adds another shard's counts.
    pub fn merge(&mut self, other: &FilterStats) {
        self.seen += other.seen;
        self.kept += other.kept;
        for (k, v) in &other.dropped {
            *self.dropped.entry(k.clone()).or_default() += v;
        }
    }
}

/// The one loop for all filters: runs them in order, stops at the first drop, counts.
#[derive(Default)]
pub struct Filters {
    filters: Vec<Box<dyn Filter>>,
}

impl Filters {
    /// Filters that run in the given order.
    pub fn new(filters: Vec<Box<dyn Filter>>) -> Self {
        Filters { filters }
    }

    /// Judges `doc`, counting into `stats`; `None` means kept.
    pub fn check(&self, doc: &Document, stats: &mut FilterStats) -> Option<Rejection> {
        stats.seen += 1;
        for f in &self.filters {
            if let Verdict::Drop(r) = f.check(doc) {
                *stats
                    .dropped
                    .entry(format!("{}/{}", r.step, r.reason))
                    .or_default() += 1;
                return Some(r);
            }
        }
        stats.kept += 1;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Origin;

    struct MinWords(usize);
    impl Filter for MinWords {
        fn name(&self) -> &'static str {
            "min_words"
        }
        fn check(&self, doc: &Document) -> Verdict {
            let n = crate::text::words(&doc.text).count();
            if n < self.0 {
                Verdict::Drop(Rejection {
                    step: self.name(),
                    reason: "too_few_words",
                    value: n as f64,
                    threshold: self.0 as f64,
                })
            } else {
                Verdict::Keep
            }
        }
    }

    fn doc(text: &str) -> Document {
        Document {
            id: "x".into(),
            text: text.into(),
            origin: Origin {
                file: "t".into(),
                line: 1,
            },
            record: None,
        }
    }

    #[test]
    fn one_loop_counts_and_names_the_reason() {
        let filters = Filters::new(vec![Box::new(MinWords(3))]);
        let mut a = FilterStats::default();
        assert_eq!(filters.check(&doc("one two three"), &mut a), None);
        let r = filters.check(&doc("one two"), &mut a).unwrap();
        assert_eq!(
            (r.reason, r.value, r.threshold),
            ("too_few_words", 2.0, 3.0)
        );
        let mut b = FilterStats::default();
        filters.check(&doc("x"), &mut b);
        a.merge(&b);
        assert_eq!((a.seen, a.kept), (3, 1));
        assert_eq!(a.dropped["min_words/too_few_words"], 2);
    }
}
