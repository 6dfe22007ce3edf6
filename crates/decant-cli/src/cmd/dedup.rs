//! `decant dedup`.

use anyhow::{bail, Context, Result};
use decant::dedup::paragraph::{self, ParagraphConfig};
use decant::dedup::{self, DedupConfig, KeepPolicy, StageObserver, WorkDir};
use decant::pipeline::{self, Job};

use super::{status, Reporter};
use crate::args::DedupArgs;

/// `512M`, `2G`, `1.5G`, `100000` (bytes).
pub fn parse_size(s: &str) -> Result<u64> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => bail!("unknown size unit in {s:?}: use K, M, G or T"),
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    let v: f64 = num
        .parse()
        .with_context(|| format!("not a size: {s:?} (examples: 512M, 2G)"))?;
    if !(v.is_finite() && v > 0.0) {
        bail!("not a positive size: {s:?}");
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok((v * mult as f64) as u64)
}

/// A quarter of the machine's memory (from /proc/meminfo), between 256 MiB and 8 GiB; 1 GiB
/// when it cannot be read.
fn default_memory_limit() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    total.map_or(1 << 30, |t| (t / 4).clamp(256 << 20, 8 << 30))
}

/// The dedup settings the arguments ask for.
pub fn config(args: &DedupArgs) -> Result<DedupConfig> {
    let keep: KeepPolicy = args.keep.parse().map_err(anyhow::Error::msg)?;
    let (bands, rows) = match (args.threshold, args.bands, args.rows) {
        (Some(t), _, _) if !(0.0..=1.0).contains(&t) => {
            bail!("--threshold {t} is not between 0 and 1")
        }
        (Some(t), None, None) => dedup::signature::optimal_bands_rows(t, 112),
        (_, b, r) => (b.unwrap_or(14), r.unwrap_or(8)),
    };
    let config = DedupConfig {
        ngram: args.ngram,
        bands,
        rows,
        threshold: args.threshold.unwrap_or(0.8),
        verify: args.verify,
        keep,
        memory_limit: match &args.memory_limit {
            Some(s) => parse_size(s)?,
            None => default_memory_limit(),
        },
        exact_only: args.mode == "exact",
    };
    config.validate()?;
    Ok(config)
}

/// Turns arguments into the filter-stage job.
pub fn job(args: &DedupArgs) -> Result<Job> {
    let mut job = super::base_job(&args.io)?;
    if job.inputs.iter().any(|i| i.path.as_os_str() == "-") {
        bail!("dedup reads its inputs twice, so it cannot read standard input; save it to a file first");
    }
    job.rejects = Some(super::rejects_file(
        args.rejects.as_deref(),
        &job.destination,
    ));
    job.rejects_with_text = !args.rejects_without_text;
    Ok(job)
}

/// Stage progress: a live line on a terminal, else a plain line when a stage ends and every
/// 10 seconds while signing.
struct Stages {
    quiet: bool,
    start: std::time::Instant,
    last_line: std::time::Instant,
    bar: Option<indicatif::ProgressBar>,
}

impl Stages {
    fn new(quiet: bool) -> Self {
        let bar = super::spinner(quiet);
        Stages {
            quiet,
            start: std::time::Instant::now(),
            last_line: std::time::Instant::now(),
            bar,
        }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl StageObserver for Stages {
    fn progress(&mut self, stage: &'static str, done: u64, bytes: u64) {
        if self.quiet {
            return;
        }
        let t = self.start.elapsed().as_secs_f64();
        match stage {
            "sign" | "paragraphs" => {
                let mb = bytes as f64 / 1e6;
                let what = if stage == "sign" {
                    "signing"
                } else {
                    "reading paragraphs"
                };
                let msg = format!(
                    "{what}: {done} documents, {mb:.0} MB, {:.0} MB/s",
                    mb / t.max(1e-3)
                );
                if let Some(bar) = &self.bar {
                    bar.set_message(msg);
                } else if self.last_line.elapsed().as_secs() >= 10 {
                    self.last_line = std::time::Instant::now();
                    eprintln!("decant dedup: {msg} ({t:.0} s)");
                }
            }
            "bucket" => self.say(&format!(
                "decant dedup: signed and bucketed: {done} pairs sharing a bucket ({t:.1} s)"
            )),
            "cluster" => {
                self.say(&format!(
                    "decant dedup: clustered: {done} clusters; writing ({t:.1} s)"
                ));
                self.finish();
            }
            _ => self.say(&format!("decant dedup: {stage}: {done} ({t:.1} s)")),
        }
    }
}

/// The work folder: under `--work-dir`, or in a temporary directory removed when the
/// returned guard is dropped.
fn work_dir(args: &DedupArgs) -> Result<(Option<tempfile::TempDir>, WorkDir)> {
    if let Some(d) = &args.work_dir {
        return Ok((None, WorkDir::new(d)));
    }
    let temp = tempfile::Builder::new()
        .prefix("decant-dedup-")
        .tempdir()
        .context("cannot create a temporary work directory (use --work-dir)")?;
    let work = WorkDir::new(temp.path());
    Ok((Some(temp), work))
}

/// `--mode paragraph`: plan, then the pipeline with the plan.
fn run_paragraphs(args: &DedupArgs, config: &DedupConfig, mut job: Job) -> Result<u8> {
    let start = std::time::Instant::now();
    let pconfig = ParagraphConfig {
        min_chars: args.min_paragraph_chars,
        boilerplate_docs: args.boilerplate_docs,
        memory_limit: config.memory_limit,
    };
    if !args.io.quiet {
        eprintln!("decant dedup: finding paragraphs that recur across documents");
    }
    let (_temp, work) = work_dir(args)?;
    let _lock = work.lock()?;
    let mut stages = Stages::new(args.io.quiet);
    let plan = paragraph::plan(
        &job.inputs,
        &job.fields,
        &pconfig,
        &work,
        job.threads,
        None,
        &mut stages,
    )
    .context("paragraph dedup failed")?;
    stages.finish();
    let plan = std::sync::Arc::new(plan);
    job.paragraphs = Some(plan.clone());
    let mut reporter = Reporter::new(args.io.quiet, "rejected");
    let summary = pipeline::run(&job, &mut reporter).context("paragraph dedup failed")?;
    reporter.finish();
    if !args.io.quiet {
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "decant dedup (paragraphs of {}+ characters): {}",
            pconfig.min_chars,
            super::totals(&summary, secs, "removed (nothing left)"),
        );
        for (reason, n) in &summary.lines_removed {
            eprintln!("  paragraphs removed from kept documents  {n:>9}  {reason}");
        }
        let top = plan.recurring(10);
        if !top.is_empty() {
            eprintln!("  paragraphs found in the most documents (learned boilerplate candidates):");
            for (text, docs) in top {
                let shown: String = text.chars().take(100).collect();
                eprintln!("  {docs:>9} documents  {shown}");
            }
        }
    }
    Ok(status(&summary, &job.errors))
}

pub fn run(args: &DedupArgs) -> Result<u8> {
    if let Some(status) = super::require_inputs(&args.io, "dedup") {
        return Ok(status);
    }
    let config = config(args)?;
    let job = job(args)?;
    let unused: Vec<&str> = match args.mode.as_str() {
        "paragraph" => [
            (args.clusters.is_some(), "--clusters"),
            (args.keep != "first", "--keep"),
            (args.verify, "--verify"),
            (args.threshold.is_some(), "--threshold"),
            (
                args.bands.is_some() || args.rows.is_some(),
                "--bands/--rows",
            ),
        ]
        .into_iter()
        .filter_map(|(given, name)| given.then_some(name))
        .collect(),
        "exact" => [
            (args.verify, "--verify"),
            (args.threshold.is_some(), "--threshold"),
        ]
        .into_iter()
        .filter_map(|(given, name)| given.then_some(name))
        .collect(),
        _ => Vec::new(),
    };
    if !unused.is_empty() {
        eprintln!(
            "decant: note: ignored in --mode {}: {}",
            args.mode,
            unused.join(", ")
        );
    }
    if args.mode == "paragraph" {
        return run_paragraphs(args, &config, job);
    }
    let (_temp, work) = work_dir(args)?;
    let start = std::time::Instant::now();
    let mut stages = Stages::new(args.io.quiet);
    let mut reporter = Reporter::new(args.io.quiet, "rejected");
    let (summary, report) = dedup::run(
        &job,
        &config,
        &work,
        args.clusters.as_deref(),
        &mut stages,
        &mut reporter,
    )
    .context("dedup failed")?;
    stages.finish();
    reporter.finish();
    if !args.io.quiet {
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "decant dedup ({} x {}, {}-word shingles{}): {}",
            config.bands,
            config.rows,
            config.ngram,
            if config.verify {
                format!(", verified at {}", config.threshold)
            } else {
                String::new()
            },
            super::totals(&summary, secs, "removed"),
        );
        let c = &report.cluster;
        eprintln!(
            "  {} clusters; {} exact and {} near duplicates removed{}",
            c.clusters,
            c.exact_duplicates,
            c.near_duplicates,
            if config.verify {
                format!(
                    "; {} candidate pairs verified, {} rejected by verification, {} documents kept apart from their group's survivor",
                    c.verified_pairs, c.rejected_pairs, c.split_off
                )
            } else {
                String::new()
            },
        );
        if report.sign.runs > 1 {
            eprintln!(
                "  band keys spilled to disk {} times (memory limit {} bytes)",
                report.sign.runs, config.memory_limit
            );
        }
        if summary.rejected > 0 {
            eprintln!(
                "decant: removed documents are in {}",
                job.rejects.as_ref().expect("set").display()
            );
        }
    }
    Ok(status(&summary, &job.errors))
}
