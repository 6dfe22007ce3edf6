//! Command-line arguments: one struct per subcommand; doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Turn raw scraped web and news text into clean, deduplicated corpora.
#[derive(Debug, Parser)]
#[command(name = "decant", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Repair documents: remove repeated bodies, teasers, repeated headlines and
    /// boilerplate lines; keep every unique paragraph, in the order the copies agree on.
    ///
    /// Exit status: 0 when every record was read; 3 when some records could not be read
    /// and were set aside in the errors file (the run still finishes); 1 on a fatal error;
    /// 2 on bad usage.
    Repair(RepairArgs),

    /// Filter documents with quality rules that make datatrove's decisions: Gopher
    /// repetition and quality, C4, FineWeb. Kept documents go to the output (C4 also removes
    /// lines from them); each dropped one goes to the rejects file with the step, reason,
    /// measured value and threshold.
    ///
    /// Presets: gopher-2021, c4-datatrove, c4-tfds, fineweb-2024 (see --print-rules).
    /// Exit status as for `repair`.
    Filter(FilterArgs),

    /// Remove exact and near duplicates (MinHash LSH over word 5-gram shingles), keeping one
    /// copy per cluster by a declared policy. Each removed document goes to the rejects file
    /// with the document it duplicates, its cluster and the estimated (or, with --verify,
    /// true) Jaccard similarity; --clusters lists every cluster with its survivor.
    ///
    /// Memory stays within --memory-limit at any corpus size: band keys spill to sorted
    /// run files in the work directory and are merged from disk.
    /// Exit status as for `repair`.
    Dedup(DedupArgs),

    /// Run a whole pipeline into an output folder: repair, quality rules and dedup over
    /// sharded inputs (JSONL, Parquet, WARC/WET, text), on every core, resumably. Without
    /// --config: repair, then fineweb-2024 (English only, then FineWeb's quality rules), then exact and near dedup.
    ///
    /// OUT gets data/ (kept documents, one file per shard), rejects/ (every dropped document
    /// with step, reason, value and threshold, or duplicate_of), errors/ (unreadable records
    /// with file, line and cause), clusters.jsonl, stats.json and report.html. Rerunning
    /// after a crash redoes only the unfinished shards and gives the same bytes.
    /// Exit status as for `repair`.
    Run(RunArgs),

    /// Regenerate OUT/report.html from OUT/stats.json.
    Report(ReportArgs),

    /// Show the journey of one document through a finished run: repair edits, each quality
    /// step's verdict with the measured value and threshold, and, if it was removed as a
    /// duplicate, its cluster and survivor.
    Explain(ExplainArgs),
}

/// Arguments of `decant run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Input files or directories (.jsonl, .json, .ndjson, .txt, .warc, .wet, optionally .gz
    /// or .zst; .parquet). They replace the config's `input.paths`.
    pub inputs: Vec<PathBuf>,

    /// The output folder (replaces the config's `output.dir`).
    #[arg(short, long)]
    pub output: Option<PathBuf>,

    /// A pipeline file (TOML): [input], [output] and [[step]] tables (see --print-config).
    #[arg(short, long)]
    pub config: Option<PathBuf>,

    /// Print the effective pipeline config (every setting) and exit.
    #[arg(long)]
    pub print_config: bool,

    /// Output format: jsonl, jsonl.gz, jsonl.zst or parquet (replaces `output.format`).
    #[arg(long)]
    pub format: Option<String>,

    /// Discard what an earlier run left in the output folder and start over.
    #[arg(long)]
    pub restart: bool,

    /// Worker threads (0: one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,

    /// No progress and no summary on standard error (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

/// Arguments of `decant report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The output folder of a run.
    pub output: PathBuf,
}

/// Arguments of `decant explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The output folder of a run.
    pub output: PathBuf,

    /// The document's id (as in the input's id field, or FILE:LINE when it had none).
    pub id: String,

    /// Print the explanation as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Inputs, outputs and side files, shared by every command.
#[derive(Debug, Args)]
pub struct IoArgs {
    /// Input files or directories (.txt, .jsonl, .ndjson, .json, optionally .gz or .zst);
    /// `-` reads JSONL from standard input. Directories are read recursively.
    pub inputs: Vec<PathBuf>,

    /// Output: a JSONL file (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`: every document goes there)
    /// or a directory that mirrors the inputs. Without it, repaired text (or JSONL, if any
    /// input is JSONL) goes to standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,

    /// Write an edit log: one JSON record per document listing each removal (line range,
    /// removed text, reason, and the kept lines it repeated).
    #[arg(long)]
    pub log: Option<PathBuf>,

    /// Where records that cannot be read are set aside [default: OUTPUT.errors.jsonl, or
    /// decant-errors.jsonl when writing to standard output]. Created only when needed.
    #[arg(long)]
    pub errors: Option<PathBuf>,

    /// JSON field that holds the text.
    #[arg(long, default_value = "text")]
    pub text_field: String,

    /// JSON field that holds the id (made from file and line when absent).
    #[arg(long, default_value = "id")]
    pub id_field: String,

    /// Worker threads (0: one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,

    /// Print no summary on standard error.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Arguments of `decant repair`.
#[derive(Debug, Args)]
pub struct RepairArgs {
    #[command(flatten)]
    pub io: IoArgs,

    /// Keep boilerplate lines (only repair repeats, teasers and headlines).
    #[arg(long)]
    pub keep_boilerplate: bool,

    /// A repeated run is removed only if one of its paragraphs has at least this many
    /// (normalized) characters.
    #[arg(long, default_value_t = 80)]
    pub min_content_chars: usize,
}

/// Arguments of `decant filter`.
#[derive(Debug, Args)]
pub struct FilterArgs {
    #[command(flatten)]
    pub io: IoArgs,

    /// The rule set: gopher-2021, c4-datatrove, c4-tfds or fineweb-2024.
    #[arg(long)]
    pub preset: Option<String>,

    /// A TOML rules file: `preset = "…"` or `steps = [..]`, and `[rule]` tables that
    /// override settings (see --print-rules for every setting).
    #[arg(long)]
    pub rules: Option<PathBuf>,

    /// Where dropped documents go [default: OUTPUT.rejects.jsonl, or decant-rejects.jsonl
    /// when writing to standard output]. Created only when needed.
    #[arg(long)]
    pub rejects: Option<PathBuf>,

    /// Leave the text out of the rejects file (id, step, reason, value, threshold only).
    #[arg(long)]
    pub rejects_without_text: bool,

    /// Repair documents first (repeated bodies, boilerplate lines), so that documents
    /// like a twice-captured article are salvaged instead of dropped.
    #[arg(long)]
    pub repair: bool,

    /// Print the effective rules as a TOML rules file and exit.
    #[arg(long)]
    pub print_rules: bool,
}

/// Arguments of `decant dedup`.
#[derive(Debug, Args)]
pub struct DedupArgs {
    #[command(flatten)]
    pub io: IoArgs,

    /// Where removed documents go [default: OUTPUT.rejects.jsonl, or decant-rejects.jsonl
    /// when writing to standard output]. Created only when needed.
    #[arg(long)]
    pub rejects: Option<PathBuf>,

    /// Leave the text out of the rejects file.
    #[arg(long)]
    pub rejects_without_text: bool,

    /// Write every cluster (members, survivor, similarities) to this JSONL file.
    #[arg(long)]
    pub clusters: Option<PathBuf>,

    /// `doc`: exact and near-duplicate documents; `exact`: exact duplicates only (same
    /// normalized text); `paragraph`: remove from each document the paragraphs an earlier
    /// document already has (logged like repair's edits; a document left empty is removed).
    #[arg(long, default_value = "doc", value_parser = ["doc", "exact", "paragraph"])]
    pub mode: String,

    /// Paragraph mode: paragraphs shorter than this (normalized characters) are never
    /// removed.
    #[arg(long, default_value_t = 80)]
    pub min_paragraph_chars: usize,

    /// Paragraph mode: a paragraph found in at least this many documents (2 or more) is
    /// learned boilerplate and is removed from all of them, the first included.
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..))]
    pub boilerplate_docs: Option<u32>,

    /// Which copy of a cluster survives: first (in input order), longest, or field:NAME
    /// (highest numeric value of that JSON field). Ties go to the first in input order.
    #[arg(long, default_value = "first")]
    pub keep: String,

    /// Words per shingle.
    #[arg(long, default_value_t = 5)]
    pub ngram: usize,

    /// LSH bands [default: 14, or chosen for --threshold].
    #[arg(long)]
    pub bands: Option<usize>,

    /// Rows per band [default: 8, or chosen for --threshold].
    #[arg(long)]
    pub rows: Option<usize>,

    /// A Jaccard similarity threshold: the bar --verify applies and, unless --bands and
    /// --rows are given, picks bands and rows for it (within 112 signature slots) as
    /// datasketch's MinHashLSH does [default: 0.8, with 14 bands of 8 rows].
    #[arg(long)]
    pub threshold: Option<f64>,

    /// Check each candidate pair's true Jaccard similarity against the threshold before it
    /// joins a cluster (pairs are anchored on each bucket's first document, so a large
    /// bucket costs one comparison per member).
    #[arg(long)]
    pub verify: bool,

    /// Memory budget for the dedup buffers, e.g. 512M or 2G [default: a quarter of the
    /// machine's memory, at most 8G].
    #[arg(long)]
    pub memory_limit: Option<String>,

    /// Keep the stages' files (signatures, sorted runs, pairs) in DIR/decant-dedup/ instead
    /// of a temporary directory removed at the end. decant deletes only inside that folder
    /// (marked by a stamp file), and clears it at the start of a run.
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
}
