//! `decant explain`: one document's journey through a finished run, told again from its
//! input and the run's saved config (every step is deterministic), plus what the dedup
//! stage decided about it (from the run's rejects and clusters files).

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::read::{self, FieldNames, RawReader, Slice};
use crate::repair::{Edit, Repairer};
use crate::run::{Layout, RunConfig, SavedPlan};
use crate::step::RemovedLine;
use crate::{Error, Result};

/// What happened to one document.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Its id.
    pub id: String,
    /// The input file.
    pub file: String,
    /// Its line (row, record) there.
    pub line: u64,
    /// The shard it was in.
    pub shard: String,
    /// Characters as read.
    pub chars_in: usize,
    /// Repair's edits, if the pipeline repairs.
    pub repair: Option<Vec<Edit>>,
    /// Each quality step, in order.
    pub filters: Vec<StepTrace>,
    /// Fields the quality steps measured for the record's `metadata` (the detected language
    /// and its score), whether the document was kept or dropped.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// What dedup decided, if the pipeline dedups and the document reached it.
    pub dedup: Option<DedupTrace>,
    /// The paragraphs paragraph dedup removed from the document (each with its reason,
    /// line, text, the document that has it first and how many have it), also when it
    /// removed them all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paragraphs: Vec<serde_json::Value>,
    /// Where it ended up.
    pub fate: String,
}

/// One quality step's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct StepTrace {
    /// The step.
    pub step: &'static str,
    /// `passed`, `edited` (lines removed), `dropped` or `not reached`.
    pub verdict: &'static str,
    /// For `dropped`: the reason, measured value and threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<crate::step::Rejection>,
    /// Lines the step removed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<RemovedLine>,
    /// Each rule the step measured, with the value against its threshold (up to the rule
    /// that dropped the document, as the step itself stops there).
    pub measures: Vec<crate::step::Measure>,
}

/// Dedup's decision.
#[derive(Debug, Clone, Serialize)]
pub struct DedupTrace {
    /// Whether it was removed.
    pub removed: bool,
    /// The rejects record when it was (reason, duplicate_of, cluster, similarities).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<serde_json::Value>,
    /// Its cluster from clusters.jsonl (survivor and members), if it is in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<serde_json::Value>,
}

/// Explains document `id` of the run in `layout`; `None` when no input record has that id.
#[allow(clippy::too_many_lines)]
pub fn explain(layout: &Layout, id: &str) -> Result<Option<Explanation>> {
    let saved = SavedPlan::load(layout)?;
    let config = RunConfig::from_toml(&saved.config)?;
    let plan = config.plan()?;
    let fields = FieldNames {
        text: config.input.text_field.clone(),
        id: config.input.id_field.clone(),
    };
    let needle = id.as_bytes();
    let mut found = None;
    'shards: for shard in &saved.shards {
        let mut input = read::expand_inputs(&[shard.file.clone().into()])?.remove(0);
        if let (Some(start), Some(end)) = (shard.start, shard.end) {
            input.slice = Some(Slice {
                start,
                end,
                lines_before: shard.lines_before,
            });
        }
        let plain = matches!(input.format, read::Format::Jsonl | read::Format::Parquet)
            && id
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'\\' && b != b'"' && b != b'/' && b != b':');
        for raw in RawReader::open(&input)? {
            let Ok(raw) = raw else { continue };
            // Most records cannot hold the id at all: skip them before parsing. Only for a
            // plain ASCII id in a JSON record (escapes could spell it otherwise; a text
            // file's id is its name, a made-up one FILE:LINE).
            if plain && memchr::memmem::find(&raw.bytes, needle).is_none() {
                continue;
            }
            if let Ok(doc) = read::parse(&input, raw, &fields) {
                if doc.id == id {
                    found = Some((shard.name.clone(), doc));
                    break 'shards;
                }
            }
        }
    }
    let Some((shard, doc)) = found else {
        return Ok(None);
    };
    let mut text = doc.text.clone();
    let repair = plan.repair.clone().map(|c| {
        let r = Repairer::new(c).repair(&doc.text);
        let edits = r.edits.clone();
        text = r.text.into_owned();
        edits
    });
    let mut filters = Vec::new();
    let mut metadata = serde_json::Map::new();
    let mut fate = None;
    if let Some(f) = &plan.filters {
        let built = f.build();
        let (outcome, measures) =
            crate::step::trace(|| built.judge(&text, &mut crate::filter::Scratch::default()));
        metadata.extend(
            outcome
                .metadata
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone())),
        );
        let mut reached = true;
        for name in built.names() {
            let removed: Vec<RemovedLine> = outcome
                .removed
                .iter()
                .filter(|r| r.step == name)
                .cloned()
                .collect();
            let rejection = outcome.rejection.clone().filter(|r| r.step == name);
            let verdict = if !reached {
                "not reached"
            } else if rejection.is_some() {
                reached = false;
                "dropped"
            } else if removed.is_empty() {
                "passed"
            } else {
                "edited"
            };
            filters.push(StepTrace {
                step: name,
                verdict,
                rejection,
                removed,
                measures: measures
                    .iter()
                    .filter(|m| m.step == name)
                    .cloned()
                    .collect(),
            });
        }
        if let Some(r) = &outcome.rejection {
            fate = Some(format!(
                "dropped by {} ({}: {} against {}), in rejects/{shard}.jsonl",
                r.step, r.reason, r.value, r.threshold
            ));
        }
    }
    let mut dedup = None;
    // Paragraph dedup also sets aside documents it empties, in the dedup rejects file.
    if (plan.dedup.is_some() || plan.paragraphs.is_some()) && fate.is_none() {
        let (file, line) = (doc.origin.file.to_string(), doc.origin.line);
        let record = find_doc_record(&layout.rejects(&shard, "dedup"), id, &file, line)?;
        let cluster = match record
            .as_ref()
            .and_then(|r| r.get("cluster"))
            .and_then(serde_json::Value::as_u64)
        {
            Some(n) => find_json_line(&layout.clusters(), |v| {
                v.get("cluster").and_then(serde_json::Value::as_u64) == Some(n)
            })?,
            None => find_json_line(&layout.clusters(), |v| {
                v.get("members")
                    .and_then(serde_json::Value::as_array)
                    .is_some_and(|m| {
                        m.iter().any(|x| {
                            x.get("file").and_then(serde_json::Value::as_str) == Some(file.as_str())
                                && x.get("line").and_then(serde_json::Value::as_u64) == Some(line)
                        })
                    })
            })?,
        };
        if let Some(r) = &record {
            fate = Some(format!(
                "removed as {} of {}, in rejects/{shard}.dedup.jsonl",
                r.get("reason")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("?"),
                r.get("duplicate_of")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("?"),
            ));
        }
        dedup = Some(DedupTrace {
            removed: record.is_some(),
            record,
            cluster,
        });
    }
    let mut paragraphs = Vec::new();
    // Paragraphs are removed from what the filters keep; a document they all went from is
    // also in the dedup rejects (`duplicate_paragraphs`).
    let emptied = dedup
        .as_ref()
        .and_then(|d| d.record.as_ref())
        .and_then(|r| r.get("reason"))
        .and_then(serde_json::Value::as_str)
        == Some("duplicate_paragraphs");
    if plan.paragraphs.is_some() && (fate.is_none() || emptied) {
        let record = find_doc_record(
            &layout.rejects(&shard, "paragraphs"),
            id,
            &doc.origin.file,
            doc.origin.line,
        )?;
        if let Some(serde_json::Value::Array(list)) =
            record.and_then(|mut r| r.get_mut("paragraphs").map(serde_json::Value::take))
        {
            paragraphs = list;
        }
    }
    let fate = fate.unwrap_or_else(|| format!("kept, in data/{shard}.{}", plan.extension));
    Ok(Some(Explanation {
        id: doc.id.clone(),
        file: doc.origin.file.to_string(),
        line: doc.origin.line,
        shard,
        chars_in: doc.text.chars().count(),
        repair,
        filters,
        metadata,
        dedup,
        paragraphs,
        fate,
    }))
}

/// The record of document `id` read from `file` at `line` in the JSON lines file `path` (by
/// place too: ids need not be unique).
fn find_doc_record(
    path: &Path,
    id: &str,
    file: &str,
    line: u64,
) -> Result<Option<serde_json::Value>> {
    find_json_line(path, |v| {
        v.get("id").and_then(serde_json::Value::as_str) == Some(id)
            && v.get("file").and_then(serde_json::Value::as_str) == Some(file)
            && v.get("line").and_then(serde_json::Value::as_u64) == Some(line)
    })
}

/// The first JSON line of `path` that `pick` accepts (a missing file has none).
fn find_json_line(
    path: &Path,
    pick: impl Fn(&serde_json::Value) -> bool,
) -> Result<Option<serde_json::Value>> {
    use std::io::BufRead;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
            if pick(&v) {
                return Ok(Some(v));
            }
        }
    }
    Ok(None)
}

impl Explanation {
    /// Each quality step's verdict, measures and removed lines.
    fn fmt_filters(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.filters {
            match &s.rejection {
                Some(r) => writeln!(
                    f,
                    "  {:<18} dropped: {} = {} (threshold {})",
                    s.step, r.reason, r.value, r.threshold
                )?,
                None => writeln!(f, "  {:<18} {}", s.step, s.verdict)?,
            }
            for m in &s.measures {
                writeln!(
                    f,
                    "  {:<18} {:<30} {:>10.4}  {} {}",
                    "",
                    m.rule,
                    m.value,
                    if m.fails { "fails" } else { "ok   " },
                    m.threshold
                )?;
            }
            for l in &s.removed {
                writeln!(
                    f,
                    "  {:<18} removed line {} ({}): {:?}",
                    "",
                    l.line,
                    l.reason,
                    clip(&l.text, 60)
                )?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "document {}", self.id)?;
        writeln!(
            f,
            "  {:<18} {}:{} (shard {}), {} characters",
            "from", self.file, self.line, self.shard, self.chars_in
        )?;
        if let Some(edits) = &self.repair {
            if edits.is_empty() {
                writeln!(f, "  {:<18} nothing to repair", "repair")?;
            }
            for e in edits {
                let first = e.text.lines().next().unwrap_or("");
                writeln!(
                    f,
                    "  {:<18} lines {}-{} {}: {:?}{}",
                    "repair",
                    e.lines[0],
                    e.lines[1],
                    e.reason.name(),
                    clip(first, 70),
                    if e.text.lines().count() > 1 {
                        " ..."
                    } else {
                        ""
                    }
                )?;
            }
        }
        self.fmt_filters(f)?;
        if !self.metadata.is_empty() {
            writeln!(f, "  {:<18} {}", "metadata", fields(&self.metadata))?;
        }
        if let Some(d) = &self.dedup {
            match &d.record {
                Some(r) => writeln!(
                    f,
                    "  {:<18} {} of {} (cluster {}, estimated Jaccard {})",
                    "dedup",
                    r.get("reason").and_then(|v| v.as_str()).unwrap_or("?"),
                    r.get("duplicate_of")
                        .and_then(|v| v.as_str())
                        .unwrap_or("?"),
                    r.get("cluster").map_or("?".into(), ToString::to_string),
                    r.get("estimated_jaccard")
                        .map_or("?".into(), ToString::to_string),
                )?,
                None if d.cluster.is_some() => {
                    writeln!(f, "  {:<18} the survivor of its cluster", "dedup")?;
                }
                None => writeln!(f, "  {:<18} no duplicate found", "dedup")?,
            }
            if let Some(c) = &d.cluster {
                let members: Vec<&str> = c
                    .get("members")
                    .and_then(|m| m.as_array())
                    .map(|m| {
                        m.iter()
                            .filter_map(|x| x.get("id").and_then(|v| v.as_str()))
                            .collect()
                    })
                    .unwrap_or_default();
                writeln!(
                    f,
                    "  {:<18} cluster {}: survivor {}, members {}",
                    "",
                    c.get("cluster").map_or("?".into(), ToString::to_string),
                    c.get("survivor").and_then(|v| v.as_str()).unwrap_or("?"),
                    members.join(", ")
                )?;
            }
        }
        for p in &self.paragraphs {
            let text = p.get("text").and_then(|v| v.as_str()).unwrap_or("");
            writeln!(
                f,
                "  {:<18} removed line {} of the cleaned text ({}, in {} documents, first in {}): {:?}",
                "paragraph dedup",
                p.pointer("/lines/0")
                    .map_or("?".into(), ToString::to_string),
                p.get("reason").and_then(|v| v.as_str()).unwrap_or("?"),
                p.get("documents").map_or("?".into(), ToString::to_string),
                p.get("first_seen").and_then(|v| v.as_str()).unwrap_or("?"),
                clip(text, 60)
            )?;
        }
        writeln!(f, "  {:<18} {}", "fate", self.fate)
    }
}

/// `key = value` pairs, comma-separated.
fn fields(map: &serde_json::Map<String, serde_json::Value>) -> String {
    let pairs: Vec<String> = map.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    pairs.join(", ")
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}
