//! Paragraph dedup across documents, the cc_net / dolma idea done deterministically and
//! within a memory budget.
//!
//! A **paragraph** is a non-blank line and two paragraphs are the same when their 128-bit
//! [fingerprints](crate::text::fingerprint128) agree (the characters repair compares). The
//! work is done in passes that talk through sorted run files, like document dedup:
//!
//! 1. **Plan** (fingerprints computed in parallel): every occurrence of a paragraph of at
//!    least `min_chars` normalized characters, `(fingerprint, document, line)`, goes to
//!    sorted runs, spilled whenever a quarter of the budget is reached.
//! 2. **Count**: a merge of those runs finds, for each paragraph in two or more documents,
//!    its first document (input order) and how many documents have it.
//! 3. **Decide**: a second merge, joined with the counts, writes one decision per
//!    occurrence to remove, sorted by document: every occurrence but the first
//!    (`duplicate_paragraph`), and, when `boilerplate_docs` is set, every occurrence of a
//!    paragraph found in at least that many documents (`learned_boilerplate`).
//! 4. **Apply** (in the pipeline, documents in parallel): the decisions are read in
//!    document order alongside the input, and each document loses the paragraphs its
//!    decisions name. A document left with no paragraph is dropped (`duplicate_paragraphs`).
//!
//! Nothing but buffers of bounded size and the report's sample of recurring paragraphs is
//! held in memory, so any corpus fits; the result does not depend on thread count, batch
//! boundaries or the memory limit.

use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::runs::{self, Fixed, Merged};
use super::{doc_key, key_parts, WorkDir};
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
    /// Memory budget in bytes for the plan's buffers.
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

/// One occurrence of a long paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Occurrence {
    fp: u128,
    doc: u64,
    line: u64,
}

impl Fixed for Occurrence {
    const SIZE: usize = 32;
    fn encode(&self, out: &mut [u8]) {
        out[..16].copy_from_slice(&self.fp.to_le_bytes());
        out[16..24].copy_from_slice(&self.doc.to_le_bytes());
        out[24..32].copy_from_slice(&self.line.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Occurrence {
            fp: u128::from_le_bytes(b[..16].try_into().expect("16 bytes")),
            doc: u64::from_le_bytes(b[16..24].try_into().expect("8 bytes")),
            line: u64::from_le_bytes(b[24..32].try_into().expect("8 bytes")),
        }
    }
}

/// A paragraph in two or more documents: its first document and how many have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Group {
    fp: u128,
    first: u64,
    first_line: u64,
    docs: u64,
}

impl Fixed for Group {
    const SIZE: usize = 40;
    fn encode(&self, out: &mut [u8]) {
        out[..16].copy_from_slice(&self.fp.to_le_bytes());
        out[16..24].copy_from_slice(&self.first.to_le_bytes());
        out[24..32].copy_from_slice(&self.first_line.to_le_bytes());
        out[32..40].copy_from_slice(&self.docs.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        let u = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        Group {
            fp: u128::from_le_bytes(b[..16].try_into().expect("16 bytes")),
            first: u(16),
            first_line: u(24),
            docs: u(32),
        }
    }
}

/// One paragraph to remove from one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Decision {
    doc: u64,
    fp: u128,
    first: u64,
    first_line: u64,
    docs: u64,
    boilerplate: bool,
}

impl Fixed for Decision {
    const SIZE: usize = 49;
    fn encode(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.doc.to_le_bytes());
        out[8..24].copy_from_slice(&self.fp.to_le_bytes());
        out[24..32].copy_from_slice(&self.first.to_le_bytes());
        out[32..40].copy_from_slice(&self.first_line.to_le_bytes());
        out[40..48].copy_from_slice(&self.docs.to_le_bytes());
        out[48] = u8::from(self.boilerplate);
    }
    fn decode(b: &[u8]) -> Self {
        let u = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        Decision {
            doc: u(0),
            fp: u128::from_le_bytes(b[8..24].try_into().expect("16 bytes")),
            first: u(24),
            first_line: u(32),
            docs: u(40),
            boilerplate: b[48] != 0,
        }
    }
}

/// Collects records and writes them as sorted runs whenever the buffer reaches its budget.
struct Spiller<T> {
    dir: PathBuf,
    buf: Vec<T>,
    budget: usize,
    runs: Vec<PathBuf>,
}

impl<T: Fixed> Spiller<T> {
    fn new(dir: PathBuf, budget: usize) -> Self {
        Spiller {
            dir,
            buf: Vec::new(),
            budget: budget.max(1),
            runs: Vec::new(),
        }
    }

    /// Records the budget holds (the buffer is allocated once at that size, so each run is
    /// a full budget's worth).
    fn room(&self) -> usize {
        (self.budget / std::mem::size_of::<T>()).max(1)
    }

    fn push(&mut self, r: T) -> Result<()> {
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(self.room());
        }
        self.buf.push(r);
        if self.buf.len() >= self.room() {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(format!("{:06}.run", self.runs.len()));
        runs::write_run(&path, &mut self.buf)?;
        self.buf.clear();
        self.runs.push(path);
        Ok(())
    }

    /// The runs, merged down to at most [`runs::MAX_FAN_IN`] files.
    fn finish(mut self) -> Result<Vec<PathBuf>> {
        self.spill()?;
        drop(std::mem::take(&mut self.buf));
        runs::compact::<T>(self.runs, &self.dir)
    }
}

/// The plan: the sorted decision runs, and what the report needs.
#[derive(Debug, Clone, Default)]
pub struct ParagraphPlan {
    min_chars: usize,
    files: Vec<Arc<str>>,
    decisions: Vec<PathBuf>,
    recurring: Vec<(String, u64)>,
    /// Long paragraph occurrences seen.
    pub occurrences: u64,
    /// Distinct long paragraphs found in two or more documents.
    pub repeated: u64,
    /// Occurrences to remove.
    pub removals: u64,
    /// Set by [`ParagraphPlan::for_file`]: the one input whose decisions the cursor yields.
    only_file: Option<usize>,
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
    pub documents: u64,
}

/// The long paragraphs of a document, each once: fingerprint and the byte range of its
/// first occurrence.
fn long_paragraphs(
    text: &str,
    min_chars: usize,
    norm: &mut String,
    buf: &mut Vec<u8>,
) -> Vec<(u128, usize, usize)> {
    let mut out: Vec<(u128, usize, usize)> = text::lines(text)
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
            text::fingerprint128(norm, buf).map(|fp| (fp, l.start, l.end))
        })
        .collect();
    out.sort_by_key(|p| p.0); // stable: the first occurrence stays first
    out.dedup_by_key(|p| p.0);
    out
}

/// A count-min sketch of how many documents have each paragraph: it picks, in one pass and
/// fixed memory, the paragraphs whose text the report may need.
struct Sketch {
    rows: Vec<Vec<u16>>,
}

const SKETCH_BITS: u32 = 18;
/// A paragraph's text is kept for the report once the sketch counts it this often.
const REPORT_DOCS: u16 = 3;
/// At most this many texts are kept for the report.
const REPORT_MAX: usize = 10_000;

impl Sketch {
    fn new() -> Self {
        Sketch {
            rows: vec![vec![0u16; 1 << SKETCH_BITS]; 4],
        }
    }

    /// Row `i` uses bits `32 i..32 i + 18` of the fingerprint.
    fn slots(fp: u128) -> [usize; 4] {
        let bits = fp.to_le_bytes();
        std::array::from_fn(|i| {
            let word = u32::from_le_bytes(bits[4 * i..4 * i + 4].try_into().expect("4 bytes"));
            usize::try_from(word & ((1 << SKETCH_BITS) - 1)).expect("fits")
        })
    }

    /// The estimate for `fp`.
    fn estimate(&self, fp: u128) -> u16 {
        let slots = Self::slots(fp);
        (0..4).map(|i| self.rows[i][slots[i]]).min().unwrap_or(0)
    }

    /// Counts one more document for `fp`; returns the new estimate.
    fn add(&mut self, fp: u128) -> u16 {
        let slots = Self::slots(fp);
        let mut min = u16::MAX;
        for (row, &slot) in self.rows.iter_mut().zip(&slots) {
            row[slot] = row[slot].saturating_add(1);
            min = min.min(row[slot]);
        }
        min
    }
}

/// Passes 1 to 3: reads every input and writes the decisions into `work`. Documents in
/// `skip` (removed as duplicates by an earlier stage) are read past: their paragraphs are
/// not counted, and a paragraph seen first in one of them is not removed from later ones.
#[allow(clippy::too_many_lines)]
pub fn plan(
    inputs: &[InputFile],
    fields: &FieldNames,
    config: &ParagraphConfig,
    work: &WorkDir,
    threads: usize,
    skip: Option<&super::Removals>,
    observer: &mut dyn super::StageObserver,
) -> Result<ParagraphPlan> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    let dirs = work.fresh_subdirs("paragraphs", &["occurrences", "groups", "decisions"])?;
    let budget = usize::try_from(config.memory_limit / 4).unwrap_or(usize::MAX);
    let mut occurrences = Spiller::<Occurrence>::new(dirs[0].clone(), budget);
    let mut plan = ParagraphPlan {
        min_chars: config.min_chars,
        files: inputs.iter().map(|i| i.display.clone()).collect(),
        ..ParagraphPlan::default()
    };
    let mut sketch = Sketch::new();
    let mut texts: FxHashMap<u128, String> = FxHashMap::default();

    // Pass 1: occurrences.
    let (mut read_docs, mut read_bytes) = (0u64, 0u64);
    let (tx, rx) = sync_channel::<Batch>(4);
    std::thread::scope(|s| {
        s.spawn(move || reader_thread(inputs, &tx));
        for batch in &rx {
            let input = &inputs[batch.input];
            let docs: Vec<Option<Found>> = pool.install(|| {
                batch
                    .items
                    .into_par_iter()
                    .map_init(
                        || (String::new(), Vec::new()),
                        |(norm, buf), item| {
                            let doc = item.and_then(|raw| read::parse(input, raw, fields)).ok()?;
                            let found = long_paragraphs(&doc.text, config.min_chars, norm, buf);
                            Some((doc.origin.line, doc.text, found))
                        },
                    )
                    .collect()
            });
            for (i, d) in docs.into_iter().enumerate() {
                let Some((line, text, found)) = d else {
                    continue;
                };
                read_docs += 1;
                read_bytes += text.len() as u64;
                let doc = doc_key(batch.input, batch.first + i as u64);
                if skip.is_some_and(|r| r.get(doc).is_some()) {
                    continue;
                }
                for (fp, start, end) in found {
                    plan.occurrences += 1;
                    occurrences.push(Occurrence { fp, doc, line })?;
                    if sketch.add(fp) >= REPORT_DOCS && !texts.contains_key(&fp) {
                        texts.insert(fp, text[start..end].to_owned());
                        if texts.len() >= 2 * REPORT_MAX {
                            // Keep the half the sketch counts most often: frequent
                            // paragraphs stay, however late they first reach the bar.
                            let mut by_count: Vec<(u16, u128)> =
                                texts.keys().map(|&f| (sketch.estimate(f), f)).collect();
                            by_count.sort_unstable_by(|a, b| b.cmp(a));
                            for &(_, f) in &by_count[REPORT_MAX..] {
                                texts.remove(&f);
                            }
                        }
                    }
                }
            }
            observer.progress("paragraphs", read_docs, read_bytes);
        }
        Ok::<(), Error>(())
    })?;
    let occurrence_runs = occurrences.finish()?;

    // Pass 2: the paragraphs in two or more documents, with their first document and count.
    let mut groups = Spiller::<Group>::new(dirs[1].clone(), budget);
    let mut current: Option<Group> = None;
    let mut recurring: Vec<(u64, u64, u128)> = Vec::new();
    let mut close = |g: Group, groups: &mut Spiller<Group>| -> Result<()> {
        if g.docs >= 2 {
            if g.docs >= u64::from(REPORT_DOCS) && texts.contains_key(&g.fp) {
                recurring.push((g.docs, g.first, g.fp));
            }
            groups.push(g)?;
        }
        Ok(())
    };
    runs::merge::<Occurrence>(&occurrence_runs, |o| {
        match &mut current {
            Some(g) if g.fp == o.fp => g.docs += 1,
            _ => {
                if let Some(g) = current.take() {
                    close(g, &mut groups)?;
                }
                current = Some(Group {
                    fp: o.fp,
                    first: o.doc,
                    first_line: o.line,
                    docs: 1,
                });
            }
        }
        Ok(())
    })?;
    if let Some(g) = current.take() {
        close(g, &mut groups)?;
    }
    let group_runs = groups.finish()?;
    recurring.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    recurring.truncate(20);
    plan.recurring = recurring
        .into_iter()
        .map(|(docs, _, fp)| (texts[&fp].clone(), docs))
        .collect();
    drop(texts);

    // Pass 3: one decision per occurrence to remove, sorted by document.
    let mut decisions = Spiller::<Decision>::new(dirs[2].clone(), budget);
    let mut group_iter = Merged::<Group>::open(&group_runs)?;
    let mut group = group_iter.next_record()?;
    runs::merge::<Occurrence>(&occurrence_runs, |o| {
        while group.is_some_and(|g| g.fp < o.fp) {
            group = group_iter.next_record()?;
        }
        let Some(g) = group.filter(|g| g.fp == o.fp) else {
            return Ok(());
        };
        plan.repeated += u64::from(g.first == o.doc);
        let boilerplate = config
            .boilerplate_docs
            .is_some_and(|k| g.docs >= u64::from(k));
        if boilerplate || o.doc != g.first {
            plan.removals += 1;
            decisions.push(Decision {
                doc: o.doc,
                fp: o.fp,
                first: g.first,
                first_line: g.first_line,
                docs: g.docs,
                boilerplate,
            })?;
        }
        Ok(())
    })?;
    plan.decisions = decisions.finish()?;
    for p in occurrence_runs.iter().chain(&group_runs) {
        std::fs::remove_file(p).map_err(|e| Error::io(p, e))?;
    }
    Ok(plan)
}

/// A read document: its line, its text and its long paragraphs.
type Found = (u64, String, Vec<(u128, usize, usize)>);

/// Reads the decisions in document order, a batch of documents at a time.
pub struct DecisionCursor {
    merged: Merged<Decision>,
    /// For a plan restricted to one input: that input's index (its keys are read as
    /// input 0's).
    only_file: Option<usize>,
}

impl DecisionCursor {
    /// Every decision for documents with keys below `end` not taken yet, in order.
    pub fn take_before(&mut self, end: u64) -> Result<Vec<Decision>> {
        let mut out = Vec::new();
        let (end, shift) = match self.only_file {
            Some(f) => {
                // Skip the inputs before this one (their decisions come first).
                while self.merged.peek().is_some_and(|d| d.doc < doc_key(f, 0)) {
                    self.merged.next_record()?;
                }
                (doc_key(f, super::key_parts(end).1), doc_key(f, 0))
            }
            None => (end, 0),
        };
        while self.merged.peek().is_some_and(|d| d.doc < end) {
            out.extend(self.merged.next_record()?.map(|mut d| {
                d.doc -= shift;
                d
            }));
        }
        Ok(out)
    }
}

impl ParagraphPlan {
    /// A cursor over the decisions, for one pass over the inputs in order.
    pub fn cursor(&self) -> Result<DecisionCursor> {
        Ok(DecisionCursor {
            merged: Merged::open(&self.decisions)?,
            only_file: self.only_file,
        })
    }

    /// The plan for input `file` alone, keyed as if it were the only input (file 0): for
    /// applying a run's plan one shard at a time.
    #[must_use]
    pub fn for_file(&self, file: usize) -> ParagraphPlan {
        ParagraphPlan {
            only_file: Some(file),
            ..self.clone()
        }
    }

    /// The paragraphs found in the most documents (at least 3, as far as the plan kept
    /// their text), most frequent first: `(text, documents)`. These are the corpus's
    /// learned boilerplate candidates.
    pub fn recurring(&self, top: usize) -> Vec<(&str, u64)> {
        self.recurring
            .iter()
            .take(top)
            .map(|(t, d)| (t.as_str(), *d))
            .collect()
    }

    /// Pass 4 for one document: the text without the paragraphs its `decisions` (all with
    /// this document's key) name, and the removals; `None` when nothing is removed.
    pub fn apply(&self, doc: &str, decisions: &[Decision]) -> Option<(String, Vec<ParagraphEdit>)> {
        if decisions.is_empty() {
            return None;
        }
        let mut norm = String::new();
        let mut buf = Vec::new();
        let units: Vec<(text::Line, Option<ParagraphEdit>)> = text::lines(doc)
            .filter(|l| !text::is_blank(l.text(doc)))
            .map(|line| {
                let t = line.text(doc);
                norm.clear();
                text::normalize_into(t, &mut norm);
                let edit = (text::char_count(&norm) >= self.min_chars)
                    .then(|| text::fingerprint128(&norm, &mut buf))
                    .flatten()
                    .and_then(|fp| {
                        // A document's decisions are sorted by fingerprint.
                        decisions
                            .binary_search_by_key(&fp, |d| d.fp)
                            .ok()
                            .map(|i| &decisions[i])
                    })
                    .map(|d| ParagraphEdit {
                        reason: if d.boilerplate {
                            "learned_boilerplate"
                        } else {
                            "duplicate_paragraph"
                        },
                        lines: [line.number, line.number],
                        text: t.to_owned(),
                        first_seen: format!(
                            "{}:{}",
                            self.files.get(key_parts(d.first).0).map_or("?", |f| &**f),
                            d.first_line
                        ),
                        documents: d.docs,
                    });
                (line, edit)
            })
            .collect();
        if units.iter().all(|u| u.1.is_none()) {
            return None;
        }
        let n = units.len();
        let kept: Vec<usize> = (0..n).filter(|&i| units[i].1.is_none()).collect();
        let mut out = String::with_capacity(doc.len());
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
        let edits = units.into_iter().filter_map(|u| u.1).collect();
        Some((out, edits))
    }
}

/// The decisions of document `key` in a batch's decisions (sorted by document).
pub fn decisions_of(batch: &[Decision], key: u64) -> &[Decision] {
    let lo = batch.partition_point(|d| d.doc < key);
    let hi = batch.partition_point(|d| d.doc <= key);
    &batch[lo..hi]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const P1: &str = "Subscribe to our newsletter to receive the latest stories from the newsroom every single morning.";
    const P2: &str = "The river rose two metres overnight and the council closed the bridge to traffic until further notice.";
    const P3: &str = "Residents on the east bank were told to move cars to higher ground before the second crest arrives.";

    fn corpus(dir: &std::path::Path, docs: &[String]) -> Vec<InputFile> {
        std::fs::create_dir_all(dir).unwrap();
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

    type Applied = Vec<Option<(String, Vec<ParagraphEdit>)>>;

    /// Plans, then applies to every document in order: (text, edits) per document.
    fn run(
        dir: &std::path::Path,
        docs: &[String],
        config: &ParagraphConfig,
    ) -> (ParagraphPlan, Applied) {
        let inputs = corpus(dir, docs);
        let work = WorkDir::new(dir.join("work"));
        let plan = plan(
            &inputs,
            &FieldNames::default(),
            config,
            &work,
            2,
            None,
            &mut (),
        )
        .unwrap();
        let mut cursor = plan.cursor().unwrap();
        let all = cursor.take_before(u64::MAX).unwrap();
        let out = (0..docs.len())
            .map(|i| plan.apply(&docs[i], decisions_of(&all, doc_key(0, i as u64))))
            .collect();
        (plan, out)
    }

    #[test]
    fn later_copies_lose_the_paragraph_and_say_where_it_was_first() {
        let dir = tempfile::tempdir().unwrap();
        let docs = vec![
            format!("Headline one\n{P2}\n\n{P1}\n"),
            format!("Headline two\n\n{P3}\n\n{P1}\n\n{P2}"),
            format!("{P1}\n{P2}\n"),
        ];
        let (plan, out) = run(dir.path(), &docs, &ParagraphConfig::default());
        assert_eq!((plan.occurrences, plan.repeated, plan.removals), (7, 2, 4));
        assert!(out[0].is_none());
        let (text, edits) = out[1].clone().unwrap();
        assert_eq!(text, format!("Headline two\n\n{P3}"));
        let got: Vec<_> = edits
            .iter()
            .map(|e| (e.reason, e.lines, e.first_seen.clone(), e.documents))
            .collect();
        let file = dir.path().join("c.jsonl").display().to_string();
        assert_eq!(
            got,
            [
                ("duplicate_paragraph", [5, 5], format!("{file}:1"), 3),
                ("duplicate_paragraph", [7, 7], format!("{file}:1"), 3),
            ]
        );
        // Everything in the third document was seen before: nothing is left.
        let (text, edits) = out[2].clone().unwrap();
        assert_eq!(text, "");
        assert_eq!(edits.len(), 2);
        assert_eq!(plan.recurring(10), [(P1, 3), (P2, 3)]);
    }

    #[test]
    fn learned_boilerplate_goes_from_every_document() {
        let dir = tempfile::tempdir().unwrap();
        let docs = vec![
            format!("{P2}\n{P1}"),
            format!("{P3}\n{P1}"),
            format!("{P1}\nShort"),
        ];
        let config = ParagraphConfig {
            boilerplate_docs: Some(3),
            ..ParagraphConfig::default()
        };
        let (_, out) = run(dir.path(), &docs, &config);
        let (text, edits) = out[0].clone().unwrap();
        assert_eq!(text, P2);
        assert_eq!(edits[0].reason, "learned_boilerplate");
        assert_eq!(edits[0].documents, 3);
        // A short paragraph is never removed, however often it recurs.
        let (text, _) = out[2].clone().unwrap();
        assert_eq!(text, "Short");
    }

    #[test]
    fn a_tiny_memory_budget_spills_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let docs: Vec<String> = (0..60)
            .map(|i| match i % 4 {
                0 => format!("{P1}\n{P2} {}", i / 8),
                1 => format!("{P3}\nline {i}"),
                2 => format!("{P2} {}\n{P1}", i / 8),
                _ => format!("{P3}\n{P1}\n{P2}"),
            })
            .collect();
        let big = run(&dir.path().join("big"), &docs, &ParagraphConfig::default());
        let tiny_config = ParagraphConfig {
            memory_limit: 64,
            ..ParagraphConfig::default()
        };
        let tiny = run(&dir.path().join("tiny"), &docs, &tiny_config);
        assert!(
            tiny.0.decisions.len() > 1,
            "the decisions spilled to several runs"
        );
        // The same edits, up to the corpus's folder in `first_seen`.
        let strip = |v: Applied, dir: &str| {
            let mut v = v;
            for (_, edits) in v.iter_mut().flatten() {
                for e in edits {
                    e.first_seen = e.first_seen.replace(dir, "");
                }
            }
            v
        };
        let (big_dir, tiny_dir) = (dir.path().join("big"), dir.path().join("tiny"));
        assert_eq!(
            strip(big.1, big_dir.to_str().unwrap()),
            strip(tiny.1, tiny_dir.to_str().unwrap())
        );
        assert_eq!(big.0.removals, tiny.0.removals);
        assert!(big.0.removals > 50);
    }
}
