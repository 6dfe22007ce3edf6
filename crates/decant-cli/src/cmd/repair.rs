//! `decant repair`.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use decant::pipeline::{self, Destination, RepairJob};
use decant::read::{expand_inputs, FieldNames};
use decant::repair::RepairConfig;

use crate::args::RepairArgs;
use crate::exit;

/// Turns arguments into a job (kept apart from running it, so it can be tested).
pub fn job(args: &RepairArgs) -> Result<RepairJob> {
    let inputs = expand_inputs(&args.inputs)?;
    if inputs.is_empty() {
        anyhow::bail!("no input files found (decant reads .txt, .jsonl, .ndjson, .json, optionally .gz or .zst)");
    }
    let destination = match &args.output {
        None => Destination::Stdout,
        Some(p) if p.as_os_str() == "-" => Destination::Stdout,
        Some(p) if decant::write::is_jsonl_path(p) => Destination::Jsonl(p.clone()),
        Some(p) => Destination::Dir(p.clone()),
    };
    let errors = args.errors.clone().unwrap_or_else(|| match &destination {
        Destination::Stdout => PathBuf::from("decant-errors.jsonl"),
        Destination::Jsonl(p) | Destination::Dir(p) => sibling(p, ".errors.jsonl"),
    });
    Ok(RepairJob {
        inputs,
        destination,
        fields: FieldNames {
            text: args.text_field.clone(),
            id: args.id_field.clone(),
        },
        repair: RepairConfig {
            min_content_chars: args.min_content_chars,
            boilerplate: !args.keep_boilerplate,
            ..RepairConfig::default()
        },
        log: args.log.clone(),
        errors,
        threads: args.threads,
    })
}

/// `out.jsonl` → `out.jsonl.errors.jsonl`; `outdir/` → `outdir.errors.jsonl`.
fn sibling(p: &Path, suffix: &str) -> PathBuf {
    let trimmed: PathBuf = p.components().collect();
    let mut name: OsString = trimmed
        .file_name()
        .map_or_else(|| "out".into(), OsString::from);
    name.push(suffix);
    trimmed.with_file_name(name)
}

/// Prints set-aside records (the first 20) and, on a terminal, a progress line.
struct Reporter {
    shown: u64,
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
}

impl Reporter {
    fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .expect("a valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Reporter {
            shown: 0,
            bar,
            start: std::time::Instant::now(),
        }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }
}

impl pipeline::Observer for Reporter {
    fn record_error(&mut self, e: &decant::read::RecordError) {
        self.shown += 1;
        if self.shown <= 20 {
            self.say(&format!("decant: {e} (record set aside)"));
        } else if self.shown == 21 {
            self.say("decant: more records set aside; see the errors file");
        }
    }

    fn progress(&mut self, s: &pipeline::RepairSummary) {
        if let Some(bar) = &self.bar {
            let mb = s.record_bytes as f64 / 1e6;
            let rate = mb / self.start.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{} documents ({} repaired, {} errored), {mb:.0} MB, {rate:.0} MB/s",
                s.read, s.repaired, s.errored
            ));
        }
    }
}

pub fn run(args: &RepairArgs) -> Result<u8> {
    let job = job(args)?;
    let start = std::time::Instant::now();
    let mut reporter = Reporter::new(args.quiet);
    let summary = pipeline::run_repair(&job, &mut reporter).context("repair failed")?;
    if let Some(bar) = reporter.bar.take() {
        bar.finish_and_clear();
    }
    if !args.quiet {
        let secs = start.elapsed().as_secs_f64();
        let removed: Vec<String> = summary
            .lines_removed
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        eprintln!(
            "decant repair: {} documents read: {} repaired, {} unchanged; {} errored; lines removed: {}; moved: {} ({:.1} MB of text in {:.2} s)",
            summary.read,
            summary.repaired,
            summary.unchanged,
            summary.errored,
            if removed.is_empty() { "none".to_string() } else { removed.join(", ") },
            summary.lines_moved,
            summary.text_bytes as f64 / 1e6,
            secs,
        );
    }
    if summary.errored > 0 {
        eprintln!(
            "decant: {} record(s) could not be read; they are in {}",
            summary.errored,
            job.errors.display()
        );
        return Ok(exit::RECORDS_SET_ASIDE);
    }
    Ok(exit::OK)
}
