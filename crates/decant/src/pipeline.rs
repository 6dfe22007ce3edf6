//! Runs a job over its inputs: one thread reads raw records in order, a thread pool parses,
//! repairs and filters batches of them in parallel, and the results are written in input
//! order, so the output is byte-identical whatever the thread count.
//!
//! Every record read ends up in exactly one place: the output (kept), the rejects file
//! (dropped by a filter, with the reason) or the errors file (unreadable, with the cause).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;

use rayon::prelude::*;
use serde::Serialize;

use crate::filter::{FilterConfig, Scratch};
use crate::read::{self, FieldNames, Format, InputFile, RawReader, RecordError};
use crate::repair::{Edit, RepairConfig, Repairer};
use crate::step::{Outcome, RemovedLine};
use crate::write::{LazyJsonl, Output};
use crate::{Document, Error, Result};

/// Where kept documents go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output: the repaired text when every input is a text file, else JSONL.
    Stdout,
    /// One JSONL file (compressed as its extension says).
    Jsonl(PathBuf),
    /// A directory mirroring the inputs: each text file to a text file, each JSONL file to
    /// a JSONL file of the same relative path.
    Dir(PathBuf),
}

/// A run of `decant repair` or `decant filter`: repair (if configured), then filters (if
/// configured), over every input.
#[derive(Debug, Clone)]
pub struct Job {
    /// Files to read, in order.
    pub inputs: Vec<InputFile>,
    /// Where kept documents go.
    pub destination: Destination,
    /// JSON field names.
    pub fields: FieldNames,
    /// Repair settings; `None` skips repair.
    pub repair: Option<RepairConfig>,
    /// Filters; `None` keeps every document.
    pub filters: Option<FilterConfig>,
    /// The edit log (one JSON record per document), if wanted.
    pub log: Option<PathBuf>,
    /// Where records that could not be read are set aside (created only if needed).
    pub errors: PathBuf,
    /// Where dropped documents go, with step, reason, value and threshold (created only if
    /// needed). Required when there are filters.
    pub rejects: Option<PathBuf>,
    /// Include each dropped document's text in the rejects file.
    pub rejects_with_text: bool,
    /// Documents to set aside as duplicates (from the dedup stages), by document key.
    pub removals: Option<std::sync::Arc<crate::dedup::Removals>>,
    /// Paragraphs to remove because earlier documents have them (paragraph dedup's plan);
    /// applied after repair and before the filters.
    pub paragraphs: Option<std::sync::Arc<crate::dedup::paragraph::ParagraphPlan>>,
    /// Where the paragraphs paragraph dedup removed are listed, one record per edited
    /// document, those it emptied included (created only if needed).
    pub paragraph_removals: Option<PathBuf>,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

/// What a run did. Every input record is read or errored; every document read is kept or
/// rejected; every kept document is edited or unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Documents read.
    pub read: u64,
    /// Documents written to the output.
    pub kept: u64,
    /// Documents dropped by a filter (in the rejects file).
    pub rejected: u64,
    /// Kept documents whose text repair changed.
    pub repaired: u64,
    /// Kept documents whose text changed (by repair or by a filter such as C4).
    pub edited: u64,
    /// Kept documents written with their text unchanged.
    pub unchanged: u64,
    /// Records set aside in the errors file.
    pub errored: u64,
    /// Records that are not documents (WARC requests, metadata, HTML pages...), by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Documents dropped, by `step/reason`.
    pub rejected_by: BTreeMap<String, u64>,
    /// Lines removed by filters from kept documents, by `step/reason`.
    pub filter_lines_removed: BTreeMap<String, u64>,
    /// Lines removed by repair, by reason.
    pub lines_removed: BTreeMap<&'static str, u64>,
    /// Paragraphs moved to where the copies agree.
    pub lines_moved: u64,
    /// Bytes of document text read.
    pub text_bytes: u64,
    /// Bytes of the records read (the JSON lines, or the text files), uncompressed.
    pub record_bytes: u64,
}

#[derive(Serialize)]
struct LogRecord<'a> {
    id: &'a str,
    file: &'a str,
    line: u64,
    changed: bool,
    edits: &'a [Edit],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    removed: &'a [RemovedLine],
    #[serde(skip_serializing_if = "Option::is_none")]
    rejected: Option<&'a crate::step::Rejection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate: Option<&'a crate::dedup::Removal>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    paragraphs: &'a [crate::dedup::paragraph::ParagraphEdit],
}

/// The paragraphs paragraph dedup removed from one kept document.
#[derive(Serialize)]
struct ParagraphRecord<'a> {
    id: &'a str,
    file: &'a str,
    line: u64,
    paragraphs: &'a [crate::dedup::paragraph::ParagraphEdit],
}

#[derive(Serialize)]
struct RejectRecord<'a> {
    id: &'a str,
    file: &'a str,
    line: u64,
    step: &'static str,
    reason: &'a str,
    value: f64,
    threshold: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_of: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    estimated_jaccard: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jaccard: Option<f64>,
    /// The `metadata` the record would have been written with: its own (a WARC page's URL
    /// and date, say) with what the filters measured set over it (the detected language
    /// and its score, also for a page they dropped), so a removed page says what it was.
    /// Absent when empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
}

/// The filters' metadata fields as a JSON object, or `None` when they set none.
fn metadata_object(
    fields: &[(&'static str, serde_json::Value)],
) -> Option<serde_json::Map<String, serde_json::Value>> {
    (!fields.is_empty()).then(|| {
        fields
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect()
    })
}

enum Processed {
    Doc {
        doc: Box<Document>,
        /// The text after repair and paragraph dedup, when they changed it.
        repaired: Option<String>,
        /// Whether repair changed the text.
        repair_changed: bool,
        edits: Vec<Edit>,
        paragraph_edits: Vec<crate::dedup::paragraph::ParagraphEdit>,
        outcome: Outcome,
    },
    Error(RecordError),
}

/// Consecutive raw records of one input, as the reader thread hands them on.
pub(crate) struct Batch {
    /// Index of the input file.
    pub input: usize,
    /// Index (within the file, counting records and errors alike) of the first item.
    pub first: u64,
    /// The records, or why they could not be read.
    pub items: Vec<std::result::Result<read::RawRecord, RecordError>>,
    /// Records read since the previous batch that are not documents, by reason.
    pub skipped: BTreeMap<String, u64>,
}

const BATCH_BYTES: usize = 4 << 20;
const BATCH_RECORDS: usize = 2048;

/// Reads every input in order and sends its records in batches; stops early when the
/// receiver hangs up.
pub(crate) fn reader_thread(inputs: &[InputFile], tx: &std::sync::mpsc::SyncSender<Batch>) {
    for (idx, input) in inputs.iter().enumerate() {
        let mut reader = match RawReader::open(input) {
            Ok(r) => r,
            Err(e) => {
                let item = Err(RecordError {
                    file: input.display.clone(),
                    line: 0,
                    reason: format!("cannot open: {e}"),
                    raw: String::new(),
                });
                if tx
                    .send(Batch {
                        input: idx,
                        first: 0,
                        items: vec![item],
                        skipped: BTreeMap::new(),
                    })
                    .is_err()
                {
                    return;
                }
                continue;
            }
        };
        let mut items = Vec::new();
        let mut bytes = 0;
        let mut first = 0u64;
        #[allow(clippy::while_let_on_iterator)] // the loop body also asks the reader
        while let Some(item) = reader.next() {
            bytes += item.as_ref().map_or(0, |r| r.bytes.len());
            items.push(item);
            if bytes >= BATCH_BYTES || items.len() >= BATCH_RECORDS {
                let full = std::mem::take(&mut items);
                bytes = 0;
                let n = full.len() as u64;
                if tx
                    .send(Batch {
                        input: idx,
                        first,
                        items: full,
                        skipped: reader.take_skipped(),
                    })
                    .is_err()
                {
                    return;
                }
                first += n;
            }
        }
        // Always send, even empty, so that the writer opens an output for an empty input.
        if tx
            .send(Batch {
                input: idx,
                first,
                items,
                skipped: reader.take_skipped(),
            })
            .is_err()
        {
            return;
        }
    }
}

/// Checks that no two inputs would be written to the same output file and that no output
/// overwrites an input.
fn check_destination(job: &Job) -> Result<()> {
    // Each path is resolved once: a run may name many thousands of inputs.
    let inputs: std::collections::HashMap<PathBuf, &str> = job
        .inputs
        .iter()
        .filter_map(|i| Some((i.path.canonicalize().ok()?, &*i.display)))
        .collect();
    let outputs: Vec<PathBuf> = match &job.destination {
        Destination::Stdout => Vec::new(),
        Destination::Jsonl(p) => vec![p.clone()],
        Destination::Dir(d) => job.inputs.iter().map(|i| d.join(&i.relative)).collect(),
    };
    let mut seen = std::collections::HashSet::new();
    for o in &outputs {
        if !seen.insert(o) {
            return Err(Error::Config(format!(
                "two inputs would be written to {}; process them in separate runs",
                o.display()
            )));
        }
        if let Some(input) = o.canonicalize().ok().and_then(|c| inputs.get(&c)) {
            return Err(Error::Config(format!(
                "output {} would overwrite input {input}",
                o.display()
            )));
        }
    }
    Ok(())
}

struct Writer<'j> {
    job: &'j Job,
    stdout_text: bool,
    single: Option<Output>,
    current: Option<(usize, Output)>,
}

impl Writer<'_> {
    fn output_for(&mut self, input: usize) -> Result<&mut Output> {
        if let Destination::Dir(dir) = &self.job.destination {
            if self.current.as_ref().is_none_or(|(i, _)| *i != input) {
                if let Some((_, o)) = self.current.take() {
                    o.finish()?;
                }
                let out = Output::create(&dir.join(&self.job.inputs[input].relative))?;
                self.current = Some((input, out));
            }
            Ok(&mut self.current.as_mut().expect("set above").1)
        } else {
            Ok(self.single.as_mut().expect("single output"))
        }
    }

    fn write(
        &mut self,
        input: usize,
        doc: &Document,
        repaired: Option<&str>,
        metadata: &[(&'static str, serde_json::Value)],
    ) -> Result<()> {
        let text = repaired.unwrap_or(&doc.text);
        let as_text = self.job.inputs[input].format == Format::Text
            && (self.stdout_text || matches!(self.job.destination, Destination::Dir(_)));
        let job = self.job;
        let newline = self.stdout_text && !text.ends_with('\n') && !text.is_empty();
        let out = self.output_for(input)?;
        if as_text {
            out.write_all(text.as_bytes())?;
            if newline {
                out.write_all(b"\n")?;
            }
            return Ok(());
        }
        match (&doc.record, repaired) {
            (Some(r), t) if !metadata.is_empty() => {
                let line = t.map_or_else(|| r.raw.clone(), |t| r.with_text(t));
                out.write_all(read::with_metadata(&line, metadata).as_bytes())?;
            }
            (Some(r), None) => out.write_all(r.raw.as_bytes())?,
            (Some(r), Some(t)) => {
                // Spliced straight into the output: the bytes around the text as read, the
                // new text escaped.
                let (start, end) = r.text_span;
                out.write_all(&r.raw.as_bytes()[..start])?;
                out.write_json_str(t)?;
                out.write_all(&r.raw.as_bytes()[end..])?;
            }
            (None, _) => {
                let mut record = serde_json::json!({ job.fields.id.as_str(): doc.id, job.fields.text.as_str(): text });
                if let Some(fields) = metadata_object(metadata) {
                    record["metadata"] = fields.into();
                }
                out.write_json(&record)?;
            }
        }
        out.write_all(b"\n")
    }

    fn finish(self) -> Result<()> {
        if let Some((_, o)) = self.current {
            o.finish()?;
        }
        self.single.map_or(Ok(()), Output::finish)
    }
}

/// One document's fate, as the writer decides it (in input order).
pub struct DocEvent<'a> {
    /// The document as read.
    pub doc: &'a Document,
    /// Its text after repair, paragraph dedup and filters (the text written when kept).
    pub text: &'a str,
    /// Whether it was written (not rejected, not a duplicate).
    pub kept: bool,
    /// Repair's edits.
    pub edits: &'a [Edit],
    /// Lines filters removed.
    pub removed: &'a [RemovedLine],
    /// Paragraphs paragraph dedup removed.
    pub paragraphs: &'a [crate::dedup::paragraph::ParagraphEdit],
}

/// Hears what a run does, as it happens (the CLI prints messages and progress from it; the
/// library prints nothing).
pub trait Observer {
    /// A document was written or set aside.
    fn document(&mut self, event: &DocEvent<'_>) {
        let _ = event;
    }
    /// A record was set aside.
    fn record_error(&mut self, error: &RecordError) {
        let _ = error;
    }
    /// A batch was written; `so_far` counts everything up to now.
    fn progress(&mut self, so_far: &Summary) {
        let _ = so_far;
    }
}

/// Lets a closure serve as an observer of errors only.
impl<F: FnMut(&RecordError)> Observer for F {
    fn record_error(&mut self, error: &RecordError) {
        self(error);
    }
}

/// Runs a job, telling `observer` about each record set aside and each batch done.
#[allow(clippy::too_many_lines)]
pub fn run(job: &Job, observer: &mut dyn Observer) -> Result<Summary> {
    check_destination(job)?;
    if job.paragraphs.is_some() && job.repair.is_some() {
        // The plan was made from the texts as read; repaired texts could miss its decisions.
        return Err(Error::Config(
            "paragraph dedup and repair cannot run in the same job: repair first, then plan on its output".into(),
        ));
    }
    if (job.filters.is_some() || job.removals.is_some()) && job.rejects.is_none() {
        return Err(Error::Config(
            "a job that drops documents needs a rejects file for them".into(),
        ));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(job.threads)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    let repairer = job.repair.clone().map(Repairer::new);
    let filters = job.filters.as_ref().map(FilterConfig::build);
    let stdout_text = job.destination == Destination::Stdout
        && job.inputs.iter().all(|i| i.format == Format::Text);
    let single = match &job.destination {
        Destination::Stdout => Some(Output::create(Path::new("-"))?),
        Destination::Jsonl(p) => Some(Output::create(p)?),
        Destination::Dir(d) => {
            std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
            None
        }
    };
    let mut writer = Writer {
        job,
        stdout_text,
        single,
        current: None,
    };
    let mut log = job.log.as_deref().map(Output::create).transpose()?;
    let mut errors = LazyJsonl::new(job.errors.clone());
    let mut rejects = job.rejects.clone().map(LazyJsonl::new);
    let mut paragraph_removals = job.paragraph_removals.clone().map(LazyJsonl::new);
    let mut summary = Summary::default();

    // Three stages overlap: a reader thread, a processing thread that runs each batch on
    // the pool, and this thread, which writes batches in the order they were read.
    let mut cursor = job
        .paragraphs
        .as_deref()
        .map(crate::dedup::paragraph::ParagraphPlan::cursor)
        .transpose()?;
    let (tx, rx) = sync_channel::<Batch>(4);
    let (done_tx, done_rx) = sync_channel::<(usize, u64, Vec<Processed>, BTreeMap<String, u64>)>(2);
    let result = std::thread::scope(|s| {
        s.spawn(move || reader_thread(&job.inputs, &tx));
        let repairer = repairer.as_ref();
        let filters = filters.as_ref();
        let paragraphs = job.paragraphs.as_deref();
        let pool = &pool;
        let processing = s.spawn(move || -> Result<()> {
            for mut batch in &rx {
                let skipped = std::mem::take(&mut batch.skipped);
                let input = &job.inputs[batch.input];
                // The paragraph decisions of this batch's documents, read in order.
                let decisions = match cursor.as_mut() {
                    Some(c) => c.take_before(crate::dedup::doc_key(
                        batch.input,
                        batch.first + batch.items.len() as u64,
                    ))?,
                    None => Vec::new(),
                };
                let processed: Vec<Processed> = pool.install(|| {
                    batch
                        .items
                        .into_par_iter()
                        .enumerate()
                        .map_init(Scratch::default, |scratch, (i, item)| {
                            match item.and_then(|raw| read::parse(input, raw, &job.fields)) {
                                Err(e) => Processed::Error(e),
                                Ok(doc) => {
                                    let (mut repaired, edits) = match repairer {
                                        Some(r) => {
                                            let r = r.repair(&doc.text);
                                            (r.changed().then(|| r.text.into_owned()), r.edits)
                                        }
                                        None => (None, Vec::new()),
                                    };
                                    let repair_changed = repaired.is_some();
                                    let mut paragraph_edits = Vec::new();
                                    if let Some(plan) = paragraphs {
                                        let key = crate::dedup::doc_key(
                                            batch.input,
                                            batch.first + i as u64,
                                        );
                                        let current = repaired.as_deref().unwrap_or(&doc.text);
                                        let mine =
                                            crate::dedup::paragraph::decisions_of(&decisions, key);
                                        if let Some((t, e)) = plan.apply(current, mine) {
                                            repaired = Some(t);
                                            paragraph_edits = e;
                                        }
                                    }
                                    let emptied = !paragraph_edits.is_empty()
                                        && repaired
                                            .as_deref()
                                            .is_some_and(|t| t.chars().all(char::is_whitespace));
                                    let outcome = if emptied {
                                        Outcome {
                                            rejection: Some(crate::step::Rejection::new(
                                                "dedup",
                                                "duplicate_paragraphs",
                                                1.0,
                                                1.0,
                                            )),
                                            ..Outcome::default()
                                        }
                                    } else {
                                        match filters {
                                            Some(f) => f.judge(
                                                repaired.as_deref().unwrap_or(&doc.text),
                                                scratch,
                                            ),
                                            None => Outcome::default(),
                                        }
                                    };
                                    Processed::Doc {
                                        doc: Box::new(doc),
                                        repaired,
                                        repair_changed,
                                        edits,
                                        paragraph_edits,
                                        outcome,
                                    }
                                }
                            }
                        })
                        .collect()
                });
                // The writer hung up (an error): dropping `rx` stops the reader too.
                if done_tx
                    .send((batch.input, batch.first, processed, skipped))
                    .is_err()
                {
                    return Ok(());
                }
            }
            Ok(())
        });
        let done_rx = done_rx; // dropped on return, which stops the other stages early
        for (input, first, processed, skipped) in &done_rx {
            for (why, n) in skipped {
                *summary.skipped.entry(why).or_default() += n;
            }
            // A JSONL input is mirrored even when empty; a text file whose one record could
            // not be read gets no (empty, misleading) output file.
            if job.inputs[input].format == Format::Jsonl {
                writer.output_for(input)?;
            }
            for (i, p) in processed.into_iter().enumerate() {
                match p {
                    Processed::Error(e) => {
                        summary.errored += 1;
                        observer.record_error(&e);
                        errors.write(&e)?;
                    }
                    Processed::Doc {
                        doc,
                        repaired,
                        repair_changed,
                        edits,
                        paragraph_edits,
                        outcome,
                    } => {
                        summary.read += 1;
                        summary.text_bytes += doc.text.len() as u64;
                        summary.record_bytes +=
                            doc.record.as_ref().map_or(doc.text.len(), |r| r.raw.len()) as u64;
                        let final_text = outcome.text.as_deref().or(repaired.as_deref());
                        // Removed paragraphs are listed whatever became of the document,
                        // one it emptied (set aside as `duplicate_paragraphs`) included.
                        if let (Some(out), false) =
                            (paragraph_removals.as_mut(), paragraph_edits.is_empty())
                        {
                            out.write(&ParagraphRecord {
                                id: &doc.id,
                                file: &doc.origin.file,
                                line: doc.origin.line,
                                paragraphs: &paragraph_edits,
                            })?;
                        }
                        let duplicate = if outcome.rejection.is_none() {
                            job.removals.as_ref().and_then(|r| {
                                r.get(crate::dedup::doc_key(input, first + i as u64))
                                    .map(|d| (d, r.threshold))
                            })
                        } else {
                            None
                        };
                        if let Some((d, threshold)) = duplicate {
                            summary.rejected += 1;
                            *summary
                                .rejected_by
                                .entry(format!("dedup/{}", d.reason))
                                .or_default() += 1;
                            let rejects = rejects.as_mut().expect("checked at the start");
                            let exact = d.reason == "exact_duplicate";
                            rejects.write(&RejectRecord {
                                id: &doc.id,
                                file: &doc.origin.file,
                                line: doc.origin.line,
                                step: "dedup",
                                reason: d.reason,
                                value: d.jaccard.unwrap_or(d.estimated_jaccard),
                                threshold: if exact { 1.0 } else { threshold },
                                duplicate_of: Some(&d.duplicate_of),
                                cluster: Some(d.cluster),
                                estimated_jaccard: Some(d.estimated_jaccard),
                                jaccard: d.jaccard,
                                // Dedup reads the cleaned records, whose metadata holds
                                // what the filters measured (the language among it).
                                metadata: read::metadata_of(
                                    doc.record.as_ref().map(|r| r.raw.as_str()),
                                    &[],
                                ),
                                text: job
                                    .rejects_with_text
                                    .then_some(final_text.unwrap_or(&doc.text)),
                            })?;
                        } else if let Some(r) = &outcome.rejection {
                            summary.rejected += 1;
                            *summary
                                .rejected_by
                                .entry(format!("{}/{}", r.step, r.reason))
                                .or_default() += 1;
                            let rejects = rejects.as_mut().expect("checked at the start");
                            rejects.write(&RejectRecord {
                                id: &doc.id,
                                file: &doc.origin.file,
                                line: doc.origin.line,
                                step: r.step,
                                reason: &r.reason,
                                value: r.value,
                                threshold: r.threshold,
                                duplicate_of: None,
                                cluster: None,
                                estimated_jaccard: None,
                                jaccard: None,
                                metadata: read::metadata_of(
                                    doc.record.as_ref().map(|r| r.raw.as_str()),
                                    &outcome.metadata,
                                ),
                                text: job
                                    .rejects_with_text
                                    .then(|| repaired.as_deref().unwrap_or(&doc.text)),
                            })?;
                        } else {
                            summary.kept += 1;
                            if repair_changed {
                                summary.repaired += 1;
                            }
                            for e in &paragraph_edits {
                                *summary.lines_removed.entry(e.reason).or_default() += 1;
                            }
                            if final_text.is_some() {
                                summary.edited += 1;
                            } else {
                                summary.unchanged += 1;
                            }
                            for e in &edits {
                                if e.reason == crate::repair::Reason::Moved {
                                    summary.lines_moved += 1;
                                } else {
                                    *summary.lines_removed.entry(e.reason.name()).or_default() +=
                                        (e.lines[1] - e.lines[0] + 1) as u64;
                                }
                            }
                            for r in &outcome.removed {
                                *summary
                                    .filter_lines_removed
                                    .entry(format!("{}/{}", r.step, r.reason))
                                    .or_default() += 1;
                            }
                            writer.write(input, &doc, final_text, &outcome.metadata)?;
                        }
                        observer.document(&DocEvent {
                            doc: &doc,
                            text: final_text.unwrap_or(&doc.text),
                            kept: duplicate.is_none() && outcome.rejection.is_none(),
                            edits: &edits,
                            removed: &outcome.removed,
                            paragraphs: &paragraph_edits,
                        });
                        if let Some(log) = log.as_mut() {
                            log.write_json_line(&LogRecord {
                                id: &doc.id,
                                file: &doc.origin.file,
                                line: doc.origin.line,
                                changed: final_text.is_some() && duplicate.is_none(),
                                edits: &edits,
                                removed: &outcome.removed,
                                rejected: outcome.rejection.as_ref(),
                                duplicate: duplicate.map(|d| d.0),
                                paragraphs: &paragraph_edits,
                            })?;
                        }
                    }
                }
            }
            observer.progress(&summary);
        }
        processing
            .join()
            .expect("the processing thread does not panic")
    });
    result?;
    writer.finish()?;
    if let Some(log) = log {
        log.finish()?;
    }
    errors.finish()?;
    if let Some(r) = rejects {
        r.finish()?;
    }
    if let Some(p) = paragraph_removals {
        p.finish()?;
    }
    Ok(summary)
}
