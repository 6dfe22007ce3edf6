//! `decant repair`.

use anyhow::{Context, Result};
use decant::pipeline::{self, Job};
use decant::repair::RepairConfig;

use super::{status, Reporter};
use crate::args::RepairArgs;

/// Turns arguments into a job (kept apart from running it, so it can be tested).
pub fn job(args: &RepairArgs) -> Result<Job> {
    let mut job = super::base_job(&args.io)?;
    job.repair = Some(RepairConfig {
        min_content_chars: args.min_content_chars,
        boilerplate: !args.keep_boilerplate,
        ..RepairConfig::default()
    });
    Ok(job)
}

pub fn run(args: &RepairArgs) -> Result<u8> {
    if let Some(status) = super::require_inputs(&args.io, "repair") {
        return Ok(status);
    }
    let job = job(args)?;
    let start = std::time::Instant::now();
    let mut reporter = Reporter::new(args.io.quiet, "repaired");
    let summary = pipeline::run(&job, &mut reporter).context("repair failed")?;
    reporter.finish();
    if !args.io.quiet {
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
    Ok(status(&summary, &job.errors))
}
