//! Paragraph dedup across documents, the cc_net / dolma idea done deterministically.
//!
//! A **paragraph** is a non-blank line and two paragraphs are the same when their
//! [fingerprints](crate::text::fingerprint) agree, as in repair. Two passes:
//!
//! 1. **Plan** (sequential in input order, fingerprints computed in parallel): for every
//!    paragraph of at least `min_chars` normalized characters, the first document that has
//!    it and the number of documents that have it.
//! 2. **Apply** (in parallel, one document at a time, reading only the plan): a paragraph is
//!    removed from every document but the first that has it (`duplicate_paragraph`), and,
//!    when `boilerplate_docs` is set, from every document including the first once it
//!    occurs in at least that many documents (`learned_boilerplate`). A document left with
//!    no paragraph is dropped (`duplicate_paragraphs`).
//!
//! Because the plan is complete before anything is removed, the result does not depend on
//! thread count or batch boundaries. The plan holds one entry (about 40 bytes) per distinct
//! long paragraph; it refuses to grow beyond the memory budget rather than forget entries.

use std::sync::mpsc::sync_channel;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::doc_key;
use crate::pipeline::{reader_thread, Batch};
use crate::read::{self, FieldNames, InputFile};
use crate::text;
use crate::{Error, Result};

/// Paragraph dedup settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParagraphConfig {
    /// Paragraphs shorter than this (in normalized characters) are never removed.
    pub min_chars: usize,
    /// A paragraph in at least this many documents is learned boilerplate, removed from
    /// all of them; `None` keeps its first occurrence like any other paragraph.
    pub boilerplate_docs: Option<u32>,
    /// Memory budget for the plan, in bytes.
    pub memory_limit: u64,
}

impl Default for ParagraphConfig {
    fn default() -> Self {
        ParagraphConfig {
            min_chars: 80,
            boilerplate_docs: None,
            memory_limit: 1 << 30,
        }
    }
}

/// Where a paragraph was first seen, and how many documents have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    first: u64,
    first_line: u64,
    docs: u32,
}

/// Approximate bytes per plan entry (key, value and the hash table's slack).
const ENTRY_BYTES: u64 = 48;

/// The result of the first pass.
#[derive(Debug, Clone, Default)]
pub struct ParagraphPlan {
    seen: FxHashMap<u64, Seen>,
    min_chars: usize,
    boilerplate_docs: Option<u32>,
    files: Vec<std::sync::Arc<str>>,
    /// The text of paragraphs found in at least [`REPORT_DOCS`] documents (at most
    /// [`REPORT_MAX`]), for the report of recurring lines.
    texts: FxHashMap<u64, String>,
}

/// One paragraph removed from a document. `lines` count lines of the text the paragraph
/// dedup step received (after repair, when repair runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParagraphEdit {
    /// `duplicate_paragraph` or `learned_boilerplate`.
    pub reason: &'static str,
    /// The line removed (1-based), twice, as in repair's edits.
    pub lines: [usize; 2],
    /// The text removed.
    pub text: String,
    /// The document that has it first, as `file:line`.
    pub first_seen: String,
    /// How many documents have it.
    pub documents: u32,
}

/// Fingerprints of a document's long paragraphs, each once, with the byte range of its
/// first occurrence.
fn long_paragraphs(text: &str, min_chars: usize, norm: &mut String) -> Vec<(u64, usize, usize)> {
    let mut out: Vec<(u64, usize, usize)> = text::lines(text)
        .filter_map(|l| {
            let t = l.text(text);
            if text::is_blank(t) {
                return None;
            }
            norm.clear();
            text::normalize_into(t, norm);
            if text::char_count(norm) < min_chars {
                return None;
            }
            text::fingerprint(norm).map(|fp| (fp, l.start, l.end))
        })
        .collect();
    out.sort_by_key(|p| p.0); // stable: the first occurrence stays first
    out.dedup_by_key(|p| p.0);
    out
}

/// A read document: its line, its text and its long paragraphs.
type Found = (u64, String, Vec<(u64, usize, usize)>);

/// How many documents a paragraph must be in for its text to be kept for the report.
const REPORT_DOCS: u32 = 3;
/// At most this many recurring paragraphs keep their text for the report.
const REPORT_MAX: usize = 10_000;

/// Pass 1: reads every input and plans which paragraphs go.
pub fn plan(
    inputs: &[InputFile],
    fields: &FieldNames,
    config: &ParagraphConfig,
    threads: usize,
) -> Result<ParagraphPlan> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    let mut plan = ParagraphPlan {
        min_chars: config.min_chars,
        boilerplate_docs: config.boilerplate_docs,
        files: inputs.iter().map(|i| i.display.clone()).collect(),
        ..ParagraphPlan::default()
    };
    let (tx, rx) = sync_channel::<Batch>(4);
    let max_entries = config.memory_limit / ENTRY_BYTES;
    std::thread::scope(|s| {
        s.spawn(move || reader_thread(inputs, &tx));
        for batch in &rx {
            let input = &inputs[batch.input];
            let docs: Vec<Option<Found>> = pool.install(|| {
                batch
                    .items
                    .into_par_iter()
                    .map_init(String::new, |norm, item| {
                        let doc = item.and_then(|raw| read::parse(input, raw, fields)).ok()?;
                        let found = long_paragraphs(&doc.text, config.min_chars, norm);
                        Some((doc.origin.line, doc.text, found))
                    })
                    .collect()
            });
            for (i, d) in docs.into_iter().enumerate() {
                let Some((line, text, found)) = d else {
                    continue;
                };
                let key = doc_key(batch.input, batch.first + i as u64);
                for (fp, start, end) in found {
                    let e = plan.seen.entry(fp).or_insert(Seen {
                        first: key,
                        first_line: line,
                        docs: 0,
                    });
                    e.docs = e.docs.saturating_add(1);
                    if e.docs == REPORT_DOCS && plan.texts.len() < REPORT_MAX {
                        plan.texts.insert(fp, text[start..end].to_owned());
                    }
                }
            }
            if plan.seen.len() as u64 > max_entries {
                return Err(Error::Config(format!(
                    "paragraph dedup needs more than its memory budget ({} MiB for {} distinct paragraphs so far); raise the memory limit",
                    config.memory_limit >> 20,
                    plan.seen.len()
                )));
            }
        }
        Ok(())
    })?;
    Ok(plan)
}

impl ParagraphPlan {
    /// Distinct long paragraphs seen.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no long paragraph was seen.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// The paragraphs found in the most documents (at least 3), most frequent first (ties
    /// by first occurrence): `(text, documents)`. These are the corpus's learned
    /// boilerplate candidates.
    pub fn recurring(&self, top: usize) -> Vec<(&str, u32)> {
        let mut v: Vec<(&str, u32, u64)> = self
            .texts
            .iter()
            .filter_map(|(fp, t)| self.seen.get(fp).map(|s| (t.as_str(), s.docs, s.first)))
            .collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(b.0)));
        v.truncate(top);
        v.into_iter().map(|(t, d, _)| (t, d)).collect()
    }

    /// Pass 2 for one document (key `key`): the text without its removed paragraphs and
    /// the removals, or `None` when nothing is removed.
    pub fn apply(&self, key: u64, doc: &str) -> Option<(String, Vec<ParagraphEdit>)> {
        let mut norm = String::new();
        let units: Vec<(text::Line, bool, Option<ParagraphEdit>)> = text::lines(doc)
            .filter(|l| !text::is_blank(l.text(doc)))
            .map(|line| {
                let t = line.text(doc);
                norm.clear();
                text::normalize_into(t, &mut norm);
                let edit = (text::char_count(&norm) >= self.min_chars)
                    .then(|| text::fingerprint(&norm))
                    .flatten()
                    .and_then(|fp| self.seen.get(&fp))
                    .and_then(|s| {
                        let boilerplate = self.boilerplate_docs.is_some_and(|k| s.docs >= k);
                        (boilerplate || s.first != key).then(|| ParagraphEdit {
                            reason: if boilerplate {
                                "learned_boilerplate"
                            } else {
                                "duplicate_paragraph"
                            },
                            lines: [line.number, line.number],
                            text: t.to_owned(),
                            first_seen: format!(
                                "{}:{}",
                                self.files
                                    .get(super::key_parts(s.first).0)
                                    .map_or("?", |f| &**f),
                                s.first_line
                            ),
                            documents: s.docs,
                        })
                    });
                (line, edit.is_none(), edit)
            })
            .collect();
        if units.iter().all(|u| u.1) {
            return None;
        }
        let n = units.len();
        let mut out = String::with_capacity(doc.len());
        let kept: Vec<usize> = (0..n).filter(|&i| units[i].1).collect();
        if !kept.is_empty() {
            out.push_str(&doc[..units[0].0.start]);
        }
        for (k, &u) in kept.iter().enumerate() {
            out.push_str(units[u].0.text(doc));
            if k + 1 == kept.len() {
                out.push_str(&doc[units[n - 1].0.end..]);
            } else {
                // The gap that followed this paragraph in the input.
                out.push_str(&doc[units[u].0.end..units[u + 1].0.start]);
            }
        }
        let edits = units.into_iter().filter_map(|u| u.2).collect();
        Some((out, edits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const P1: &str = "Subscribe to our newsletter to receive the latest stories from the newsroom every single morning.";
    const P2: &str = "The river rose two metres overnight and the council closed the bridge to traffic until further notice.";
    const P3: &str = "Residents on the east bank were told to move cars to higher ground before the second crest arrives.";

    fn corpus(dir: &std::path::Path, docs: &[String]) -> Vec<InputFile> {
        let p = dir.join("c.jsonl");
        let mut f = std::fs::File::create(&p).unwrap();
        for (i, d) in docs.iter().enumerate() {
            writeln!(
                f,
                "{}",
                serde_json::json!({"id": format!("d{i}"), "text": d})
            )
            .unwrap();
        }
        read::expand_inputs(&[p]).unwrap()
    }

    #[test]
    fn later_copies_lose_the_paragraph_and_say_where_it_was_first() {
        let dir = tempfile::tempdir().unwrap();
        let docs = vec![
            format!("Headline one\n{P2}\n\n{P1}\n"),
            format!("Headline two\n\n{P3}\n\n{P1}\n\n{P2}"),
            format!("{P1}\n{P2}\n"),
        ];
        let inputs = corpus(dir.path(), &docs);
        let plan = plan(
            &inputs,
            &FieldNames::default(),
            &ParagraphConfig::default(),
            2,
        )
        .unwrap();
        assert_eq!(plan.len(), 3);
        assert!(plan.apply(doc_key(0, 0), &docs[0]).is_none());
        let (text, edits) = plan.apply(doc_key(0, 1), &docs[1]).unwrap();
        assert_eq!(text, format!("Headline two\n\n{P3}"));
        let got: Vec<_> = edits
            .iter()
            .map(|e| (e.reason, e.lines, e.first_seen.as_str(), e.documents))
            .collect();
        let file = inputs[0].display.to_string();
        assert_eq!(
            got,
            [
                (
                    "duplicate_paragraph",
                    [5, 5],
                    format!("{file}:1").as_str(),
                    3
                ),
                (
                    "duplicate_paragraph",
                    [7, 7],
                    format!("{file}:1").as_str(),
                    3
                ),
            ]
        );
        // Everything in the third document was seen before: nothing is left.
        let (text, edits) = plan.apply(doc_key(0, 2), &docs[2]).unwrap();
        assert_eq!(text, "");
        assert_eq!(edits.len(), 2);
        let rec = plan.recurring(10);
        assert_eq!(rec, [(P1, 3), (P2, 3)]);
    }

    #[test]
    fn learned_boilerplate_goes_from_every_document() {
        let dir = tempfile::tempdir().unwrap();
        let docs = vec![
            format!("{P2}\n{P1}"),
            format!("{P3}\n{P1}"),
            format!("{P1}\nShort"),
        ];
        let inputs = corpus(dir.path(), &docs);
        let config = ParagraphConfig {
            boilerplate_docs: Some(3),
            ..ParagraphConfig::default()
        };
        let plan = plan(&inputs, &FieldNames::default(), &config, 1).unwrap();
        let (text, edits) = plan.apply(doc_key(0, 0), &docs[0]).unwrap();
        assert_eq!(text, P2);
        assert_eq!(edits[0].reason, "learned_boilerplate");
        assert_eq!(edits[0].documents, 3);
        // A short paragraph is never removed, however often it recurs.
        let (text, _) = plan.apply(doc_key(0, 2), &docs[2]).unwrap();
        assert_eq!(text, "Short");
    }

    #[test]
    fn the_plan_refuses_to_outgrow_its_budget() {
        let dir = tempfile::tempdir().unwrap();
        let docs: Vec<String> = (0..50).map(|i| format!("{P2} {i}")).collect();
        let inputs = corpus(dir.path(), &docs);
        let config = ParagraphConfig {
            memory_limit: 10 * ENTRY_BYTES,
            ..ParagraphConfig::default()
        };
        let err = plan(&inputs, &FieldNames::default(), &config, 1).unwrap_err();
        assert!(err.to_string().contains("memory budget"), "{err}");
    }
}
