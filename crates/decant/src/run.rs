//! `decant run`: the whole pipeline — repair, filters, dedup — over sharded inputs, in an
//! output folder that records what is done, so that a run killed at any point resumes where
//! it stopped and ends with the same bytes as a run that was never interrupted.
//!
//! The output folder:
//!
//! | path | what |
//! |---|---|
//! | `data/part-NNNNN.EXT` | kept documents of shard N (`EXT`: the output format) |
//! | `rejects/part-NNNNN.jsonl` | documents dropped by repair's filters or the quality rules |
//! | `rejects/part-NNNNN.dedup.jsonl` | documents removed as duplicates, with `duplicate_of` |
//! | `rejects/part-NNNNN.paragraphs.jsonl` | paragraphs paragraph dedup removed, per document (one it emptied included) |
//! | `errors/part-NNNNN.jsonl` | records that could not be read, with file, line and cause |
//! | `clusters.jsonl` | every duplicate cluster with its survivor |
//! | `stats.json`, `report.html` | what the run did (see [`crate::report`]) |
//! | `.decant/` | the plan, one completion marker per shard and stage, intermediate shards |
//!
//! Stages: **clean** (per shard: read, repair, filter; written straight to `data/` when the
//! pipeline has no dedup), **dedup** (all shards: sign, bucket, cluster; the removals are
//! saved), **write** (per shard: the clean shard less its duplicates). A stage's outputs for
//! a shard count only once its marker exists; a shard without one is done again from the
//! start, after its partial outputs are deleted.
//!
//! Shards: each input file is one shard, except uncompressed JSONL files larger than
//! `input.shard_size`, which are cut at line boundaries into shards of about that size.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::dedup::paragraph::ParagraphConfig;
use crate::dedup::{self, DedupConfig, KeepPolicy, Removals, WorkDir};
use crate::filter::{FilterConfig, Preset};
use crate::pipeline::{self, Destination, DocEvent, Job};
use crate::read::{Compression, FieldNames, Format, InputFile, RecordError, Slice};
use crate::repair::RepairConfig;
use crate::report::{DocCounts, Histogram, InputStats, RemovedLineCount, RunStats, StepStats};
use crate::{Error, Result};

/// A pipeline, as written in a TOML file (every field has a default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// What to read.
    #[serde(default)]
    pub input: InputConfig,
    /// What to write.
    #[serde(default)]
    pub output: OutputConfig,
    /// The steps, in order: `repair`, `filter`, `dedup` (each at most once, in that order).
    #[serde(default = "default_steps", rename = "step")]
    pub steps: Vec<StepConfig>,
}

/// The `[input]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputConfig {
    /// Files or folders (the command line's inputs take their place when given).
    pub paths: Vec<PathBuf>,
    /// The JSON field (or Parquet column) holding the text.
    pub text_field: String,
    /// The JSON field (or Parquet column) holding the id.
    pub id_field: String,
    /// Uncompressed JSONL files larger than this are cut into shards of about this size
    /// (`64M`, `1G`, or bytes).
    pub shard_size: String,
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            paths: Vec::new(),
            text_field: "text".into(),
            id_field: "id".into(),
            shard_size: "32M".into(),
        }
    }
}

/// The `[output]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// The output folder (`-o` takes its place when given).
    pub dir: Option<PathBuf>,
    /// `jsonl`, `jsonl.gz`, `jsonl.zst` or `parquet`.
    pub format: String,
    /// Write each dropped document's text into the rejects files.
    pub rejects_with_text: bool,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: None,
            format: "jsonl".into(),
            rejects_with_text: true,
        }
    }
}

/// One `[[step]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepConfig {
    /// Repair: repeated bodies, teasers, headlines, boilerplate lines.
    Repair {
        /// Remove built-in boilerplate lines.
        #[serde(default = "yes")]
        boilerplate: bool,
    },
    /// Quality rules: a preset, optionally with overrides in the form of a rules file
    /// (`[gopher_quality] min_doc_words = 30`, ...).
    Filter {
        /// A preset name (`fineweb-2024`, `gopher-2021`, `c4-datatrove`, `c4-tfds`).
        preset: Option<String>,
        /// Overrides, as in a `decant filter --rules` file.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rules: Option<toml::Table>,
    },
    /// Exact and near duplicates.
    Dedup {
        /// `near` (MinHash LSH, exact duplicates included) or `exact`.
        #[serde(default = "near")]
        mode: String,
        /// Jaccard similarity a near duplicate reaches.
        #[serde(default = "threshold")]
        threshold: f64,
        /// Words per shingle.
        #[serde(default = "ngram")]
        ngram: usize,
        /// LSH bands (with `rows`; default: datatrove's FineWeb 14 × 8).
        #[serde(default = "bands")]
        bands: usize,
        /// Rows per band.
        #[serde(default = "rows")]
        rows: usize,
        /// Check candidate pairs against their true Jaccard similarity.
        #[serde(default)]
        verify: bool,
        /// `first`, `longest` or `field:NAME`.
        #[serde(default = "first")]
        keep: String,
        /// Memory budget of the dedup stages (`512M`, `2G`).
        #[serde(default = "memory")]
        memory_limit: String,
    },
    /// Paragraphs that earlier documents (the survivors of `dedup`) already have.
    ParagraphDedup {
        /// Paragraphs shorter than this (normalized characters) are never removed.
        #[serde(default = "min_chars")]
        min_chars: usize,
        /// A paragraph in at least this many documents is learned boilerplate, removed
        /// from all of them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        boilerplate_docs: Option<u32>,
        /// Memory budget of the plan (`512M`, `2G`).
        #[serde(default = "memory")]
        memory_limit: String,
    },
}

fn min_chars() -> usize {
    80
}

fn yes() -> bool {
    true
}
fn near() -> String {
    "near".into()
}
fn threshold() -> f64 {
    0.8
}
fn ngram() -> usize {
    5
}
fn bands() -> usize {
    14
}
fn rows() -> usize {
    8
}
fn first() -> String {
    "first".into()
}
fn memory() -> String {
    "1G".into()
}

/// The default pipeline: repair, `fineweb-2024` (English above 0.65, then FineWeb's quality
/// rules), exact and near dedup.
pub fn default_steps() -> Vec<StepConfig> {
    vec![
        StepConfig::Repair { boilerplate: true },
        StepConfig::Filter {
            preset: Some("fineweb-2024".into()),
            rules: None,
        },
        StepConfig::Dedup {
            mode: near(),
            threshold: threshold(),
            ngram: ngram(),
            bands: bands(),
            rows: rows(),
            verify: false,
            keep: first(),
            memory_limit: memory(),
        },
    ]
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            input: InputConfig::default(),
            output: OutputConfig::default(),
            steps: default_steps(),
        }
    }
}

/// `64M`, `1G`, `512K` or plain bytes.
pub fn parse_size(size: &str) -> std::result::Result<u64, String> {
    let s = size;
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((at, unit)) if unit.is_ascii_alphabetic() => {
            let m = match unit.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => return Err(format!("bad size {s:?}: expected e.g. 512M, 2G")),
            };
            (&t[..at], m)
        }
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("bad size {s:?}: expected e.g. 512M, 2G"))
}

/// A checked pipeline: each step's settings resolved.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The config it came from.
    pub config: RunConfig,
    /// Repair settings, if the pipeline repairs.
    pub repair: Option<RepairConfig>,
    /// Quality rules, if the pipeline filters.
    pub filters: Option<FilterConfig>,
    /// Dedup settings, if the pipeline dedups.
    pub dedup: Option<DedupConfig>,
    /// Paragraph dedup settings, if the pipeline removes repeated paragraphs.
    pub paragraphs: Option<ParagraphConfig>,
    /// Shard size in bytes.
    pub shard_size: u64,
    /// The output files' extension.
    pub extension: &'static str,
}

impl RunConfig {
    /// Reads a pipeline file's text.
    pub fn from_toml(text: &str) -> Result<RunConfig> {
        toml::from_str(text).map_err(|e| Error::Config(format!("pipeline config: {e}")))
    }

    /// The config as TOML, every setting spelled out (it reads back to the same config).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a run config always serializes")
    }

    /// Checks the config and resolves each step.
    #[allow(clippy::too_many_lines)] // one arm per step kind
    pub fn plan(&self) -> Result<Plan> {
        let mut repair = None;
        let mut filters = None;
        let mut dedup = None;
        let mut paragraphs = None;
        let mut last = 0;
        for step in &self.steps {
            let (rank, name) = match step {
                StepConfig::Repair { .. } => (1, "repair"),
                StepConfig::Filter { .. } => (2, "filter"),
                StepConfig::Dedup { .. } => (3, "dedup"),
                StepConfig::ParagraphDedup { .. } => (4, "paragraph_dedup"),
            };
            if rank <= last {
                return Err(Error::Config(format!(
                    "step `{name}` is out of place: a pipeline has at most one of each step, \
                     in the order repair, filter, dedup, paragraph_dedup"
                )));
            }
            last = rank;
            match step {
                StepConfig::Repair { boilerplate } => {
                    repair = Some(RepairConfig {
                        boilerplate: *boilerplate,
                        ..RepairConfig::default()
                    });
                }
                StepConfig::Filter { preset, rules } => {
                    let preset = preset.as_deref().map(Preset::from_name).transpose()?;
                    let rules = rules.as_ref().map(toml::Table::to_string);
                    if preset.is_none() && rules.is_none() {
                        return Err(Error::Config(
                            "step `filter` needs a `preset`, `rules`, or both".into(),
                        ));
                    }
                    filters = Some(FilterConfig::resolve(preset, rules.as_deref())?);
                }
                StepConfig::Dedup {
                    mode,
                    threshold,
                    ngram,
                    bands,
                    rows,
                    verify,
                    keep,
                    memory_limit,
                } => {
                    let exact_only = match mode.as_str() {
                        "near" => false,
                        "exact" => true,
                        other => {
                            return Err(Error::Config(format!(
                                "dedup mode {other:?}: expected `near` or `exact`"
                            )))
                        }
                    };
                    let config = DedupConfig {
                        ngram: *ngram,
                        bands: *bands,
                        rows: *rows,
                        threshold: *threshold,
                        verify: *verify,
                        keep: keep.parse::<KeepPolicy>().map_err(Error::Config)?,
                        memory_limit: parse_size(memory_limit).map_err(Error::Config)?,
                        exact_only,
                    };
                    config.validate()?;
                    dedup = Some(config);
                }
                StepConfig::ParagraphDedup {
                    min_chars,
                    boilerplate_docs,
                    memory_limit,
                } => {
                    if boilerplate_docs.is_some_and(|k| k < 2) {
                        return Err(Error::Config(
                            "paragraph_dedup.boilerplate_docs must be at least 2".into(),
                        ));
                    }
                    paragraphs = Some(ParagraphConfig {
                        min_chars: *min_chars,
                        boilerplate_docs: *boilerplate_docs,
                        memory_limit: parse_size(memory_limit).map_err(Error::Config)?,
                    });
                }
            }
        }
        let extension = match self.output.format.as_str() {
            "jsonl" => "jsonl",
            "jsonl.gz" => "jsonl.gz",
            "jsonl.zst" => "jsonl.zst",
            "parquet" => "parquet",
            other => {
                return Err(Error::Config(format!(
                    "output format {other:?}: expected jsonl, jsonl.gz, jsonl.zst or parquet"
                )))
            }
        };
        let shard_size = parse_size(&self.input.shard_size).map_err(Error::Config)?;
        if shard_size == 0 {
            return Err(Error::Config("input.shard_size must be above 0".into()));
        }
        Ok(Plan {
            config: self.clone(),
            repair,
            filters,
            dedup,
            paragraphs,
            shard_size,
            extension,
        })
    }
}

/// One shard: a whole input file or a slice of one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// `part-00000`, ...
    pub name: String,
    /// The input file as named.
    pub file: String,
    /// The byte range, for a slice.
    pub start: Option<u64>,
    /// One past the last byte, for a slice.
    pub end: Option<u64>,
    /// Lines before the slice.
    pub lines_before: u64,
    /// Bytes on disk (of the slice, or the file).
    pub bytes: u64,
    /// The file's modification time (nanoseconds since 1970), so that a rerun over a
    /// changed file starts over instead of mixing old and new shards.
    pub modified: u64,
    /// Index of the input file in the run's inputs.
    pub input: usize,
}

/// Cuts `inputs` into shards.
pub fn shards(inputs: &[InputFile], shard_size: u64) -> Result<Vec<Shard>> {
    let mut out = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let meta = std::fs::metadata(&input.path).ok();
        let bytes = meta.as_ref().map_or(0, std::fs::Metadata::len);
        let modified = meta
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        let splittable = input.format == Format::Jsonl
            && input.compression == Compression::None
            && input.path.as_os_str() != "-"
            && bytes > shard_size.saturating_mul(5) / 4;
        let slices = if splittable {
            cut(&input.path, bytes, shard_size)?
        } else {
            vec![(None, 0, bytes)]
        };
        for (range, lines_before, len) in slices {
            out.push(Shard {
                name: format!("part-{:05}", out.len()),
                file: input.display.to_string(),
                start: range.map(|r: (u64, u64)| r.0),
                end: range.map(|r| r.1),
                lines_before,
                bytes: len,
                modified,
                input: i,
            });
        }
    }
    Ok(out)
}

type Cut = (Option<(u64, u64)>, u64, u64);

/// Byte ranges of about `size` bytes, each starting at a line, with the lines before each.
fn cut(path: &Path, total: u64, size: u64) -> Result<Vec<Cut>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut out = Vec::new();
    let (mut start, mut start_lines) = (0u64, 0u64);
    let mut offset = 0u64;
    let mut lines = 0u64;
    let mut target = size;
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        let mut from = 0usize;
        // Within this chunk: every newline counts; the first at or past the target ends
        // a shard.
        while let Some(p) = memchr::memchr(b'\n', &chunk[from..]) {
            let at = from + p;
            lines += 1;
            let end = offset + at as u64 + 1;
            if end >= target && total - end > size / 4 {
                out.push((Some((start, end)), start_lines, end - start));
                start = end;
                start_lines = lines;
                target = end + size;
            }
            from = at + 1;
        }
        offset += n as u64;
    }
    out.push((Some((start, offset)), start_lines, offset - start));
    Ok(out)
}

/// Hears what a run does (the CLI draws progress from it). Called from several threads.
pub trait RunObserver: Sync {
    /// A stage starts; `bytes` is how much it will read (0 when unknown).
    fn stage(&self, name: &'static str, bytes: u64) {
        let _ = (name, bytes);
    }
    /// More of the current stage is done.
    fn advance(&self, documents: u64, bytes: u64) {
        let _ = (documents, bytes);
    }
    /// A record could not be read.
    fn record_error(&self, error: &RecordError) {
        let _ = error;
    }
    /// Something worth saying (resuming, a stage skipped).
    fn note(&self, message: &str) {
        let _ = message;
    }
}

impl RunObserver for () {}

/// What the clean stage saw in one shard, saved in its marker.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ShardStats {
    read: u64,
    kept: u64,
    rejected: u64,
    errored: u64,
    repaired: u64,
    edited: u64,
    text_bytes_in: u64,
    text_bytes_out: u64,
    rejected_by: BTreeMap<String, u64>,
    lines_removed: BTreeMap<String, u64>,
    changed_by: BTreeMap<String, u64>,
    skipped: BTreeMap<String, u64>,
    length_before: Histogram,
    length_after: Histogram,
    removed_lines: Vec<RemovedLineCount>,
}

/// Removed lines counted per shard (texts cut to this many bytes).
const LINE_TEXT_MAX: usize = 640;
/// Distinct removed lines a shard counts before the once-seen ones are dropped.
const LINE_TABLE_MAX: usize = 200_000;

/// Collects one shard's statistics from the pipeline's document events.
struct ShardObserver<'a> {
    stats: ShardStats,
    lines: rustc_hash::FxHashMap<(String, String), u64>,
    kept_lines: Vec<u64>,
    /// Per kept document: bit 0 repaired, bit 1 edited (clean stage, written beside the
    /// clean shard so that the write stage can count the survivors'); `flags_in` is read.
    flags: Vec<u8>,
    flags_in: Option<Vec<u8>>,
    seen: usize,
    run: &'a dyn RunObserver,
    last_docs: u64,
    last_bytes: u64,
}

impl<'a> ShardObserver<'a> {
    fn new(run: &'a dyn RunObserver) -> Self {
        ShardObserver {
            stats: ShardStats::default(),
            lines: rustc_hash::FxHashMap::default(),
            kept_lines: Vec::new(),
            flags: Vec::new(),
            flags_in: None,
            seen: 0,
            run,
            last_docs: 0,
            last_bytes: 0,
        }
    }

    fn count_line(&mut self, reason: String, text: &str) {
        let mut end = text.len().min(LINE_TEXT_MAX);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        *self
            .lines
            .entry((reason, text[..end].to_owned()))
            .or_default() += 1;
        if self.lines.len() > LINE_TABLE_MAX {
            self.lines.retain(|_, n| *n > 1);
        }
    }

    fn finish(mut self, summary: &pipeline::Summary) -> (ShardStats, Vec<u64>, Vec<u8>) {
        let s = &mut self.stats;
        s.read = summary.read + summary.errored;
        s.kept = summary.kept;
        s.rejected = summary.rejected;
        s.errored = summary.errored;
        if self.flags_in.is_some() {
            // The write stage: its documents were repaired and edited by the clean stage.
            s.repaired = self.flags.iter().filter(|&&f| f & 1 != 0).count() as u64;
            s.edited = self.flags.iter().filter(|&&f| f & 2 != 0).count() as u64;
        } else {
            s.repaired = summary.repaired;
            s.edited = summary.edited;
        }
        s.text_bytes_in = summary.text_bytes;
        s.rejected_by.clone_from(&summary.rejected_by);
        s.skipped.clone_from(&summary.skipped);
        s.lines_removed = summary
            .filter_lines_removed
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .chain(
                summary
                    .lines_removed
                    .iter()
                    .map(|(k, v)| (format!("repair/{k}"), *v)),
            )
            .collect();
        if summary.lines_moved > 0 {
            s.lines_removed
                .insert("repair/moved".into(), summary.lines_moved);
        }
        s.removed_lines = self
            .lines
            .into_iter()
            .map(|((reason, text), count)| RemovedLineCount {
                text,
                reason,
                count,
            })
            .collect();
        (self.stats, self.kept_lines, self.flags)
    }
}

impl pipeline::Observer for ShardObserver<'_> {
    fn record_error(&mut self, error: &RecordError) {
        self.run.record_error(error);
    }

    fn progress(&mut self, so_far: &pipeline::Summary) {
        let docs = so_far.read + so_far.errored;
        self.run
            .advance(docs - self.last_docs, so_far.record_bytes - self.last_bytes);
        self.last_docs = docs;
        self.last_bytes = so_far.record_bytes;
    }

    fn document(&mut self, e: &DocEvent<'_>) {
        // The write stage's documents were counted as read by the clean stage.
        if self.flags_in.is_none() {
            self.stats
                .length_before
                .add(e.doc.text.chars().count() as u64);
        }
        let index = self.seen;
        self.seen += 1;
        if !e.kept {
            return;
        }
        self.flags.push(match &self.flags_in {
            // Paragraph dedup (in the write stage) edits too.
            Some(f) => {
                f.get(index).copied().unwrap_or(0) | (u8::from(!e.paragraphs.is_empty()) << 1)
            }
            None => {
                u8::from(!e.edits.is_empty())
                    | (u8::from(!std::ptr::eq(e.text, e.doc.text.as_str())) << 1)
            }
        });
        self.kept_lines.push(e.doc.origin.line);
        self.stats.length_after.add(e.text.chars().count() as u64);
        self.stats.text_bytes_out += e.text.len() as u64;
        if e.edits
            .iter()
            .any(|x| x.reason != crate::repair::Reason::Moved)
        {
            *self.stats.changed_by.entry("repair".into()).or_default() += 1;
        }
        let mut steps: Vec<&str> = e.removed.iter().map(|r| r.step).collect();
        steps.dedup();
        for step in steps {
            *self.stats.changed_by.entry(step.into()).or_default() += 1;
        }
        for edit in e.edits {
            if edit.reason == crate::repair::Reason::BoilerplateLine {
                for line in edit.text.lines() {
                    self.count_line(format!("repair/{}", edit.reason.name()), line);
                }
            }
        }
        for r in e.removed {
            self.count_line(format!("{}/{}", r.step, r.reason), &r.text);
        }
        if !e.paragraphs.is_empty() {
            *self.stats.changed_by.entry("dedup".into()).or_default() += 1;
        }
        for p in e.paragraphs {
            self.count_line(format!("dedup/{}", p.reason), &p.text);
        }
    }
}

/// Where everything of a run lives.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The output folder.
    pub root: PathBuf,
}

impl Layout {
    fn state(&self) -> PathBuf {
        self.root.join(".decant")
    }
    fn marker(&self, stage: &str, shard: &str) -> PathBuf {
        self.state()
            .join("done")
            .join(format!("{stage}-{shard}.json"))
    }
    fn clean(&self, shard: &str) -> PathBuf {
        self.state().join("clean").join(format!("{shard}.jsonl"))
    }
    fn clean_lines(&self, shard: &str) -> PathBuf {
        self.state().join("clean").join(format!("{shard}.lines"))
    }
    /// The kept documents of a shard.
    pub fn data(&self, shard: &str, ext: &str) -> PathBuf {
        self.root.join("data").join(format!("{shard}.{ext}"))
    }
    /// The rejects file of a shard and stage: `clean` (rules), `dedup` (duplicates) or
    /// `paragraphs` (paragraphs paragraph dedup removed, per document).
    pub fn rejects(&self, shard: &str, stage: &str) -> PathBuf {
        let name = if stage == "clean" {
            format!("{shard}.jsonl")
        } else {
            format!("{shard}.{stage}.jsonl")
        };
        self.root.join("rejects").join(name)
    }
    /// The errors file of a shard.
    pub fn errors(&self, shard: &str) -> PathBuf {
        self.root.join("errors").join(format!("{shard}.jsonl"))
    }
    /// The clusters file.
    pub fn clusters(&self) -> PathBuf {
        self.root.join("clusters.jsonl")
    }
    /// `stats.json`.
    pub fn stats(&self) -> PathBuf {
        self.root.join("stats.json")
    }
    /// `report.html`.
    pub fn report(&self) -> PathBuf {
        self.root.join("report.html")
    }
    /// The saved plan (config and shards) of the run in this folder.
    pub fn plan(&self) -> PathBuf {
        self.state().join("plan.json")
    }
}

/// What a run in a folder was asked to do; a rerun resumes only when it is the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// The decant version that made it.
    pub version: String,
    /// The effective config (TOML).
    pub config: String,
    /// The filter step's rules as resolved (every rule and setting), so that a preset whose
    /// meaning changed between decant versions is not resumed as the same run.
    pub rules: Option<String>,
    /// The shards.
    pub shards: Vec<Shard>,
}

impl SavedPlan {
    /// Reads the plan saved in an output folder.
    pub fn load(layout: &Layout) -> Result<SavedPlan> {
        let p = layout.plan();
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        serde_json::from_str(&text).map_err(|e| Error::io(&p, std::io::Error::other(e.to_string())))
    }
}

/// A run's result.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Everything counted.
    pub stats: RunStats,
    /// Shards done in this invocation, per stage (the rest were already done).
    pub redone: BTreeMap<&'static str, usize>,
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Deletes everything a run writes in its folder (not the lock).
fn clear_run(layout: &Layout) -> Result<()> {
    for dir in ["data", "rejects", "errors"]
        .map(|d| layout.root.join(d))
        .into_iter()
        .chain(["done", "clean", "write-errors", "decant-dedup"].map(|d| layout.state().join(d)))
    {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
    }
    for file in [
        layout.clusters(),
        layout.stats(),
        layout.report(),
        layout.plan(),
        layout.state().join("removals.jsonl"),
    ] {
        remove_if_there(&file)?;
    }
    Ok(())
}

fn remove_if_there(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Holds the output folder for one run at a time (a stale lock from a killed run is taken
/// over).
struct RunLock(PathBuf);

impl RunLock {
    fn take(layout: &Layout) -> Result<RunLock> {
        let path = layout.state().join("LOCK");
        std::fs::create_dir_all(layout.state()).map_err(|e| Error::io(layout.state(), e))?;
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    use std::io::Write;
                    f.write_all(std::process::id().to_string().as_bytes())
                        .map_err(|e| Error::io(&path, e))?;
                    return Ok(RunLock(path));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let pid = std::fs::read_to_string(&path).unwrap_or_default();
                    let pid = pid.trim();
                    // A lock whose process is gone was left by a killed run: take it over.
                    let alive = !pid.is_empty()
                        && (Path::new("/proc").join(pid).exists() || !Path::new("/proc").exists());
                    if alive {
                        return Err(Error::Config(format!(
                            "{} is in use by another decant run (process {pid}); if that \
                             process is gone, remove {}",
                            layout.root.display(),
                            path.display()
                        )));
                    }
                    remove_if_there(&path)?;
                }
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Err(Error::Config(format!(
            "could not lock {}: another run took it",
            path.display()
        )))
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs (or resumes) `plan` over `inputs` into `layout`, with `threads` worker threads
/// (0: one per core). With `restart`, anything already in the folder's state is discarded.
#[allow(clippy::too_many_lines)]
pub fn run(
    plan: &Plan,
    inputs: &[InputFile],
    layout: &Layout,
    threads: usize,
    restart: bool,
    observer: &dyn RunObserver,
) -> Result<RunOutcome> {
    let started = Instant::now();
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    } else {
        threads
    };
    std::fs::create_dir_all(&layout.root).map_err(|e| Error::io(&layout.root, e))?;
    let _lock = RunLock::take(layout)?;
    let shards = shards(inputs, plan.shard_size)?;
    let saved = SavedPlan {
        version: env!("CARGO_PKG_VERSION").into(),
        config: plan.config.to_toml(),
        rules: plan.filters.as_ref().map(FilterConfig::to_toml),
        shards: shards.clone(),
    };
    match SavedPlan::load(layout) {
        Ok(old) if old == saved && !restart => {}
        Ok(_) if !restart => {
            return Err(Error::Config(format!(
                "{} holds a run with another config or other inputs; use another output \
                 folder, or --restart to discard it",
                layout.root.display()
            )));
        }
        Ok(_) => clear_run(layout)?,
        Err(e) if layout.plan().exists() => {
            if !restart {
                return Err(Error::Config(format!(
                    "{} holds a run this decant cannot read ({e}); use another output \
                     folder, or --restart to discard it",
                    layout.root.display()
                )));
            }
            clear_run(layout)?;
        }
        Err(_) => {
            // Never a run folder: it must hold nothing but the lock just taken, so that
            // decant never deletes or mixes with files it did not write.
            let foreign = std::fs::read_dir(&layout.root)
                .map_err(|e| Error::io(&layout.root, e))?
                .filter_map(std::result::Result::ok)
                .any(|e| e.file_name() != ".decant");
            if foreign {
                return Err(Error::Config(format!(
                    "{} is not empty and holds no decant run; name a new or empty folder",
                    layout.root.display()
                )));
            }
            clear_run(layout)?;
        }
    }
    if !layout.plan().exists() {
        write_atomic(
            &layout.plan(),
            serde_json::to_string_pretty(&saved)
                .expect("a plan serializes")
                .as_bytes(),
        )?;
    }
    let fields = FieldNames {
        text: plan.config.input.text_field.clone(),
        id: plan.config.input.id_field.clone(),
    };
    let shard_inputs: Vec<InputFile> = shards
        .iter()
        .map(|s| {
            let mut f = inputs[s.input].clone();
            if let (Some(start), Some(end)) = (s.start, s.end) {
                f.slice = Some(Slice {
                    start,
                    end,
                    lines_before: s.lines_before,
                });
            }
            f
        })
        .collect();
    let mut seconds = BTreeMap::new();
    let mut redone = BTreeMap::new();

    // Stage 1: clean.
    let t = Instant::now();
    let dedup_after = plan.dedup.is_some() || plan.paragraphs.is_some();
    let todo: Vec<usize> = (0..shards.len())
        .filter(|&i| !layout.marker("clean", &shards[i].name).exists())
        .collect();
    if todo.len() < shards.len() {
        observer.note(&format!(
            "resuming: {} of {} shards already clean",
            shards.len() - todo.len(),
            shards.len()
        ));
    }
    observer.stage("clean", todo.iter().map(|&i| shards[i].bytes).sum());
    for_each_parallel(&todo, threads, |i, per_job| {
        let shard = &shards[i];
        let destination = if dedup_after {
            layout.clean(&shard.name)
        } else {
            layout.data(&shard.name, plan.extension)
        };
        let errors = layout.errors(&shard.name);
        let rejects = layout.rejects(&shard.name, "clean");
        for p in [
            &destination,
            &errors,
            &rejects,
            &layout.clean_lines(&shard.name),
        ] {
            remove_if_there(p)?;
        }
        let job = Job {
            inputs: vec![shard_inputs[i].clone()],
            destination: Destination::Jsonl(destination),
            fields: fields.clone(),
            repair: plan.repair.clone(),
            filters: plan.filters.clone(),
            log: None,
            errors,
            rejects: Some(rejects),
            rejects_with_text: plan.config.output.rejects_with_text,
            removals: None,
            paragraphs: None,
            paragraph_removals: None,
            threads: per_job,
        };
        let mut obs = ShardObserver::new(observer);
        let summary = pipeline::run(&job, &mut obs)?;
        let (stats, lines, flags) = obs.finish(&summary);
        if dedup_after {
            let mut bytes = Vec::with_capacity(lines.len() * 9);
            for l in &lines {
                bytes.extend_from_slice(&l.to_le_bytes());
            }
            // The flags follow the lines: one byte per kept document.
            bytes.extend_from_slice(&flags);
            write_atomic(&layout.clean_lines(&shard.name), &bytes)?;
        }
        save_marker(layout, "clean", &shard.name, &stats)
    })?;
    redone.insert("clean", todo.len());
    seconds.insert("clean".to_owned(), t.elapsed().as_secs_f64());
    let clean_stats = load_markers(layout, "clean", &shards)?;

    // Stages 2 and 3: dedup, then write.
    let mut dedup_summary = None;
    let mut write_stats: Vec<ShardStats> = Vec::new();
    if dedup_after {
        let clean_inputs = shards
            .iter()
            .enumerate()
            .map(|(i, s)| clean_input(layout, s, &shard_inputs[i]))
            .collect::<Result<Vec<_>>>()?;
        let t = Instant::now();
        let marker = layout.state().join("done").join("dedup.json");
        let removals_path = layout.state().join("removals.jsonl");
        if marker.exists() {
            observer.note("resuming: duplicates already found");
        } else {
            observer.stage(
                "dedup",
                clean_inputs
                    .iter()
                    .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
                    .sum(),
            );
            let work = WorkDir::new(layout.state());
            // Only this run uses the folder (it holds the run lock): a work folder left by a
            // killed run, lock included, is cleared.
            let stale = work.path().to_owned();
            if stale.exists() {
                std::fs::remove_dir_all(&stale).map_err(|e| Error::io(&stale, e))?;
            }
            let report = if let Some(config) = &plan.dedup {
                let _work_lock = work.lock()?;
                let mut stages = StageBridge(observer, 0);
                let sign = dedup::sign(
                    &clean_inputs,
                    0,
                    &fields,
                    config,
                    &work,
                    threads,
                    &mut stages,
                )?;
                let bucket = dedup::bucket(config, &work, threads)?;
                let (removals, cluster) = dedup::cluster(
                    &clean_inputs,
                    &fields,
                    config,
                    &work,
                    Some(&layout.clusters()),
                    threads,
                )?;
                removals.save(&removals_path)?;
                work.clear()?;
                dedup::DedupReport {
                    sign,
                    bucket,
                    cluster,
                }
            } else {
                Removals::default().save(&removals_path)?;
                dedup::DedupReport::default()
            };
            let _ = std::fs::remove_dir_all(work.path());
            write_atomic(
                &marker,
                serde_json::to_string(&report)
                    .expect("a report serializes")
                    .as_bytes(),
            )?;
            redone.insert("dedup", 1);
        }
        dedup_summary = Some(marker);
        seconds.insert("dedup".to_owned(), t.elapsed().as_secs_f64());

        let t = Instant::now();
        let removals = Arc::new(Removals::load(&removals_path)?);
        let todo: Vec<usize> = (0..shards.len())
            .filter(|&i| !layout.marker("write", &shards[i].name).exists())
            .collect();
        // Paragraph dedup's plan is made again by every invocation that has shards left to
        // write (it is deterministic), over the documents that survived dedup.
        let paragraph_work = WorkDir::new(layout.state().join("paragraphs"));
        let paragraph_plan = match &plan.paragraphs {
            Some(config) if !todo.is_empty() => {
                let stale = paragraph_work.path().to_owned();
                if stale.exists() {
                    std::fs::remove_dir_all(&stale).map_err(|e| Error::io(&stale, e))?;
                }
                observer.stage("paragraphs", 0);
                let _work_lock = paragraph_work.lock()?;
                let mut stages = StageBridge(observer, 0);
                Some(dedup::paragraph::plan(
                    &clean_inputs,
                    &fields,
                    config,
                    &paragraph_work,
                    threads,
                    Some(&removals),
                    &mut stages,
                )?)
            }
            _ => None,
        };
        observer.stage(
            "write",
            todo.iter()
                .map(|&i| std::fs::metadata(&clean_inputs[i].path).map_or(0, |m| m.len()))
                .sum(),
        );
        for_each_parallel(&todo, threads, |i, per_job| {
            let shard = &shards[i];
            let destination = layout.data(&shard.name, plan.extension);
            let rejects = layout.rejects(&shard.name, "dedup");
            let paragraph_removals = layout.rejects(&shard.name, "paragraphs");
            let errors = layout
                .state()
                .join("write-errors")
                .join(format!("{}.jsonl", shard.name));
            for p in [&destination, &rejects, &paragraph_removals, &errors] {
                remove_if_there(p)?;
            }
            let job = Job {
                inputs: vec![clean_inputs[i].clone()],
                destination: Destination::Jsonl(destination),
                fields: fields.clone(),
                repair: None,
                filters: None,
                log: None,
                errors: errors.clone(),
                rejects: Some(rejects),
                rejects_with_text: plan.config.output.rejects_with_text,
                removals: Some(Arc::new(removals.for_file(i))),
                paragraphs: paragraph_plan.as_ref().map(|p| Arc::new(p.for_file(i))),
                paragraph_removals: Some(paragraph_removals),
                threads: per_job,
            };
            let mut obs = ShardObserver::new(observer);
            obs.flags_in = Some(clean_flags(layout, shard)?);
            let summary = pipeline::run(&job, &mut obs)?;
            if summary.errored > 0 {
                return Err(Error::Config(format!(
                    "the clean shard {} could not be read back ({} records; see {})",
                    clean_inputs[i].path.display(),
                    summary.errored,
                    errors.display()
                )));
            }
            let (stats, _, _) = obs.finish(&summary);
            save_marker(layout, "write", &shard.name, &stats)
        })?;
        redone.insert("write", todo.len());
        write_stats = load_markers(layout, "write", &shards)?;
        drop(paragraph_plan);
        if paragraph_work.path().exists() {
            std::fs::remove_dir_all(paragraph_work.path())
                .map_err(|e| Error::io(paragraph_work.path(), e))?;
        }
        // The clean shards are no longer needed once every shard is written.
        for s in &shards {
            remove_if_there(&layout.clean(&s.name))?;
        }
        seconds.insert("write".to_owned(), t.elapsed().as_secs_f64());
    }
    seconds.insert("total".to_owned(), started.elapsed().as_secs_f64());

    let stats = assemble(
        plan,
        inputs,
        &shards,
        &clean_stats,
        dedup_summary.as_deref(),
        &write_stats,
        layout,
        seconds,
    )?;
    write_atomic(
        &layout.stats(),
        serde_json::to_string_pretty(&stats)
            .expect("stats serialize")
            .as_bytes(),
    )?;
    write_atomic(
        &layout.report(),
        crate::report::render_html(&stats).as_bytes(),
    )?;
    Ok(RunOutcome { stats, redone })
}

/// Marks a shard's stage done, with what it counted.
fn save_marker(layout: &Layout, stage: &str, shard: &str, stats: &ShardStats) -> Result<()> {
    let json = serde_json::to_string(stats).expect("stats serialize");
    write_atomic(&layout.marker(stage, shard), json.as_bytes())
}

/// What every shard's stage counted, in shard order.
fn load_markers(layout: &Layout, stage: &str, shards: &[Shard]) -> Result<Vec<ShardStats>> {
    shards
        .iter()
        .map(|s| {
            let p = layout.marker(stage, &s.name);
            let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
            serde_json::from_str(&text)
                .map_err(|e| Error::io(&p, std::io::Error::other(e.to_string())))
        })
        .collect()
}

/// The clean shard of `shard` as an input whose documents keep their original file and line.
fn clean_input(layout: &Layout, shard: &Shard, original: &InputFile) -> Result<InputFile> {
    let lp = layout.clean_lines(&shard.name);
    let bytes = std::fs::read(&lp).map_err(|e| Error::io(&lp, e))?;
    let n = bytes.len() / 9;
    let lines: Vec<u64> = bytes[..n * 8]
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    let path = layout.clean(&shard.name);
    Ok(InputFile {
        relative: PathBuf::from(format!("{}.jsonl", shard.name)),
        path,
        display: original.display.clone(),
        format: Format::Jsonl,
        compression: Compression::None,
        slice: None,
        lines: Some(Arc::from(lines)),
        // WARC records were written with decant's own field names.
        fields: (original.format == Format::Warc).then(|| Arc::new(FieldNames::default())),
    })
}

/// The repaired/edited flags of a clean shard's documents (after their lines).
fn clean_flags(layout: &Layout, shard: &Shard) -> Result<Vec<u8>> {
    let lp = layout.clean_lines(&shard.name);
    let bytes = std::fs::read(&lp).map_err(|e| Error::io(&lp, e))?;
    Ok(bytes[bytes.len() / 9 * 8..].to_vec())
}

/// Forwards the dedup stages' progress.
struct StageBridge<'a>(&'a dyn RunObserver, u64);

impl dedup::StageObserver for StageBridge<'_> {
    fn progress(&mut self, _stage: &'static str, done: u64, bytes: u64) {
        let _ = done;
        if bytes > self.1 {
            self.0.advance(0, bytes - self.1);
            self.1 = bytes;
        }
    }
}

/// Runs `job(i, threads_per_job)` for every `i` of `todo`, `threads` at a time at most; the
/// first error wins (the others finish their shard and stop).
fn for_each_parallel(
    todo: &[usize],
    threads: usize,
    job: impl Fn(usize, usize) -> Result<()> + Sync,
) -> Result<()> {
    if todo.is_empty() {
        return Ok(());
    }
    let workers = threads.min(todo.len()).max(1);
    let per_job = (threads / workers).max(1);
    let next = AtomicUsize::new(0);
    let failed: Mutex<Option<(usize, Error)>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                if failed.lock().expect("not poisoned").is_some() {
                    return;
                }
                let n = next.fetch_add(1, Ordering::SeqCst);
                let Some(&i) = todo.get(n) else { return };
                if let Err(e) = job(i, per_job) {
                    let mut f = failed.lock().expect("not poisoned");
                    // The earliest shard's error, whatever the thread timing.
                    if f.as_ref().is_none_or(|(j, _)| i < *j) {
                        *f = Some((i, e));
                    }
                }
            });
        }
    });
    match failed.into_inner().expect("not poisoned") {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Puts the shards' statistics together.
#[allow(clippy::too_many_arguments, clippy::too_many_lines)]
fn assemble(
    plan: &Plan,
    inputs: &[InputFile],
    shards: &[Shard],
    clean: &[ShardStats],
    dedup_marker: Option<&Path>,
    write: &[ShardStats],
    layout: &Layout,
    seconds: BTreeMap<String, f64>,
) -> Result<RunStats> {
    let mut total = ShardStats::default();
    let mut lines = Vec::new();
    for s in clean {
        total.read += s.read;
        total.kept += s.kept;
        total.rejected += s.rejected;
        total.errored += s.errored;
        total.repaired += s.repaired;
        total.edited += s.edited;
        total.text_bytes_in += s.text_bytes_in;
        total.text_bytes_out += s.text_bytes_out;
        for (k, v) in &s.rejected_by {
            *total.rejected_by.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &s.lines_removed {
            *total.lines_removed.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &s.changed_by {
            *total.changed_by.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &s.skipped {
            *total.skipped.entry(k.clone()).or_default() += v;
        }
        total.length_before.merge(&s.length_before);
        total.length_after.merge(&s.length_after);
        lines.extend(s.removed_lines.iter().cloned());
    }
    let mut steps = Vec::new();
    let mut docs_in = total.read - total.errored;
    if plan.repair.is_some() {
        steps.push(StepStats {
            name: "repair".into(),
            documents_in: docs_in,
            documents_out: docs_in,
            rejected: BTreeMap::new(),
            lines_removed: strip_prefix(&total.lines_removed, "repair/"),
            documents_changed: total.changed_by.get("repair").copied().unwrap_or(0),
        });
    }
    if let Some(f) = &plan.filters {
        for name in f.build().names() {
            let rejected = strip_prefix(&total.rejected_by, &format!("{name}/"));
            let out = docs_in - rejected.values().sum::<u64>();
            steps.push(StepStats {
                name: name.into(),
                documents_in: docs_in,
                documents_out: out,
                rejected,
                lines_removed: strip_prefix(&total.lines_removed, &format!("{name}/")),
                documents_changed: total.changed_by.get(name).copied().unwrap_or(0),
            });
            docs_in = out;
        }
    }
    let mut documents = DocCounts {
        read: total.read,
        kept: total.kept,
        rejected: total.rejected,
        errored: total.errored,
        skipped_records: total.skipped.values().sum(),
        repaired: total.repaired,
        edited: total.edited,
    };
    let mut length_after = total.length_after.clone();
    let mut text_bytes_out = total.text_bytes_out;
    let mut cluster_sizes = BTreeMap::new();
    if dedup_marker.is_some() {
        let mut rejected = BTreeMap::new();
        length_after = Histogram::default();
        text_bytes_out = 0;
        let mut kept = 0;
        for s in write {
            for (k, v) in &s.rejected_by {
                let reason = k.strip_prefix("dedup/").unwrap_or(k);
                *rejected.entry(reason.to_owned()).or_default() += v;
            }
            length_after.merge(&s.length_after);
            text_bytes_out += s.text_bytes_out;
            kept += s.kept;
        }
        let removed: u64 = rejected.values().sum();
        // The write stage removes only paragraphs (paragraph dedup) from kept documents.
        let mut lines_removed = BTreeMap::new();
        for st in write {
            for (k, v) in &st.lines_removed {
                let reason = k.strip_prefix("repair/").unwrap_or(k);
                *lines_removed.entry(reason.to_owned()).or_default() += v;
            }
            lines.extend(st.removed_lines.iter().cloned());
        }
        steps.push(StepStats {
            name: "dedup".into(),
            documents_in: docs_in,
            documents_out: docs_in - removed,
            rejected: rejected.clone(),
            lines_removed,
            documents_changed: write
                .iter()
                .map(|s| s.changed_by.get("dedup").copied().unwrap_or(0))
                .sum(),
        });
        for (k, v) in rejected {
            *total.rejected_by.entry(format!("dedup/{k}")).or_default() += v;
        }
        documents.kept = kept;
        documents.rejected += removed;
        documents.repaired = write.iter().map(|s| s.repaired).sum();
        documents.edited = write.iter().map(|s| s.edited).sum();
        cluster_sizes = read_cluster_sizes(&layout.clusters())?;
    }
    let mut input_stats: Vec<InputStats> = inputs
        .iter()
        .map(|f| InputStats {
            file: f.display.to_string(),
            ..InputStats::default()
        })
        .collect();
    for (s, st) in shards.iter().zip(clean) {
        let i = &mut input_stats[s.input];
        i.shards += 1;
        i.documents += st.read - st.errored;
        i.errored += st.errored;
        i.skipped += st.skipped.values().sum::<u64>();
        i.bytes += s.bytes;
    }
    Ok(RunStats {
        version: env!("CARGO_PKG_VERSION").into(),
        config: plan.config.to_toml(),
        inputs: input_stats,
        documents,
        text_bytes_in: total.text_bytes_in,
        text_bytes_out,
        steps,
        length_before: total.length_before,
        length_after,
        cluster_sizes,
        top_removed_lines: RemovedLineCount::top(lines, 100),
        seconds,
    })
}

fn strip_prefix(map: &BTreeMap<String, u64>, prefix: &str) -> BTreeMap<String, u64> {
    map.iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_owned(), *v)))
        .collect()
}

fn read_cluster_sizes(path: &Path) -> Result<BTreeMap<u64, u64>> {
    #[derive(Deserialize)]
    struct Size {
        size: u64,
    }
    let mut out = BTreeMap::new();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io(path, e)),
    };
    for line in text.lines().filter(|l| !l.is_empty()) {
        let s: Size = serde_json::from_str(line)
            .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?;
        *out.entry(s.size).or_default() += 1;
    }
    Ok(out)
}

/// Regenerates `report.html` from `stats.json` in an output folder.
pub fn rerender(layout: &Layout) -> Result<RunStats> {
    let p = layout.stats();
    let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
    let stats: RunStats = serde_json::from_str(&text)
        .map_err(|e| Error::io(&p, std::io::Error::other(e.to_string())))?;
    write_atomic(
        &layout.report(),
        crate::report::render_html(&stats).as_bytes(),
    )?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size(" 2g "), Ok(2 << 30));
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("M").is_err());
    }

    #[test]
    fn the_default_config_reads_back_and_plans() {
        let c = RunConfig::default();
        let text = c.to_toml();
        assert_eq!(RunConfig::from_toml(&text).unwrap(), c);
        let p = c.plan().unwrap();
        assert!(p.repair.is_some() && p.filters.is_some() && p.dedup.is_some());
        assert_eq!(RunConfig::from_toml("").unwrap(), c);
    }

    #[test]
    fn configs_are_checked() {
        let err = |t: &str| match RunConfig::from_toml(t).and_then(|c| c.plan()) {
            Ok(_) => panic!("accepted {t}"),
            Err(e) => e.to_string(),
        };
        assert!(
            err("[[step]]\nkind = \"dedup\"\n[[step]]\nkind = \"repair\"\n")
                .contains("out of place")
        );
        assert!(err("[[step]]\nkind = \"filter\"\npreset = \"nope\"\n").contains("nope"));
        assert!(err("[[step]]\nkind = \"dedup\"\nthreshhold = 0.5\n").contains("threshhold"));
        assert!(err("[output]\nformat = \"csv\"\n").contains("csv"));
        assert!(err("[input]\nshard_size = \"0\"\n").contains("shard_size"));
        let c = RunConfig::from_toml(
            "[[step]]\nkind = \"filter\"\npreset = \"gopher-2021\"\n[step.rules.gopher_quality]\nmin_doc_words = 3\n",
        )
        .unwrap();
        let p = c.plan().unwrap();
        assert!(p.filters.unwrap().to_toml().contains("min_doc_words = 3"));
        assert!(p.repair.is_none() && p.dedup.is_none());
    }

    #[test]
    fn large_jsonl_files_are_cut_at_lines() {
        use std::fmt::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let mut text = String::new();
        for i in 0..1000 {
            writeln!(
                text,
                "{{\"text\": \"document {i} {}\"}}",
                "x".repeat(i % 37)
            )
            .unwrap();
        }
        std::fs::write(&path, &text).unwrap();
        let inputs = crate::read::expand_inputs(std::slice::from_ref(&path)).unwrap();
        let shards = shards(&inputs, 4096).unwrap();
        assert!(shards.len() > 5, "{}", shards.len());
        // Slices tile the file, start at lines, and count the lines before them.
        let mut at = 0;
        for s in &shards {
            let (start, end) = (s.start.unwrap(), s.end.unwrap());
            assert_eq!(start, at);
            let before = &text.as_bytes()[..usize::try_from(start).unwrap()];
            assert!(before.is_empty() || before.ends_with(b"\n"));
            assert_eq!(
                s.lines_before,
                before.iter().filter(|&&b| b == b'\n').count() as u64
            );
            at = end;
        }
        assert_eq!(at, text.len() as u64);
        // Reading the slices gives every record once, with its line in the whole file.
        let mut lines = Vec::new();
        for s in &shards {
            let mut f = inputs[0].clone();
            f.slice = Some(Slice {
                start: s.start.unwrap(),
                end: s.end.unwrap(),
                lines_before: s.lines_before,
            });
            for r in crate::read::RawReader::open(&f).unwrap() {
                lines.push(r.unwrap().line);
            }
        }
        assert_eq!(lines, (1..=1000).collect::<Vec<u64>>());
        // A file a little larger than one shard stays whole.
        assert_eq!(
            self::shards(&inputs, text.len() as u64 - 10).unwrap().len(),
            1
        );
    }
}
