//! `decant filter`.

use anyhow::{Context, Result};
use decant::filter::{FilterConfig, Preset};
use decant::pipeline::{self, Job};
use decant::repair::RepairConfig;

use super::{status, Reporter};
use crate::args::FilterArgs;

/// The rules the arguments ask for.
pub fn rules(args: &FilterArgs) -> Result<FilterConfig> {
    let preset = args.preset.as_deref().map(Preset::from_name).transpose()?;
    let file = args
        .rules
        .as_ref()
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display())))
        .transpose()?;
    let cfg =
        FilterConfig::resolve(preset, file.as_deref()).with_context(|| match &args.rules {
            Some(p) => format!("in {}", p.display()),
            None => "no rules".to_string(),
        })?;
    Ok(cfg)
}

/// Turns arguments into a job (kept apart from running it, so it can be tested).
pub fn job(args: &FilterArgs) -> Result<Job> {
    let filters = rules(args)?;
    let mut job = super::base_job(&args.io)?;
    job.repair = args.repair.then(RepairConfig::default);
    job.filters = Some(filters);
    job.rejects = Some(super::rejects_file(
        args.rejects.as_deref(),
        &job.destination,
    ));
    job.rejects_with_text = !args.rejects_without_text;
    Ok(job)
}

pub fn run(args: &FilterArgs) -> Result<u8> {
    if args.print_rules {
        print!("{}", rules(args)?.to_toml());
        return Ok(crate::exit::OK);
    }
    if let Some(status) = super::require_inputs(&args.io, "filter") {
        return Ok(status);
    }
    let job = job(args)?;
    let start = std::time::Instant::now();
    let mut reporter = Reporter::new(args.io.quiet, "rejected");
    let summary = pipeline::run(&job, &mut reporter).context("filter failed")?;
    reporter.finish();
    if !args.io.quiet {
        let secs = start.elapsed().as_secs_f64();
        let name = job
            .filters
            .as_ref()
            .and_then(|f| f.preset)
            .map_or("custom rules", Preset::name);
        eprintln!(
            "decant filter ({name}{}): {}",
            if job.repair.is_some() {
                ", after repair"
            } else {
                ""
            },
            super::totals(&summary, secs, "rejected"),
        );
        for (reason, n) in &summary.rejected_by {
            eprintln!("  rejected  {n:>9}  {reason}");
        }
        for (reason, n) in &summary.filter_lines_removed {
            eprintln!("  lines removed from kept documents  {n:>9}  {reason}");
        }
        if job.repair.is_some() {
            eprintln!(
                "  repaired  {:>9}  (kept documents whose text repair changed)",
                summary.repaired
            );
        }
        if summary.rejected > 0 {
            eprintln!(
                "decant: rejected documents are in {}",
                job.rejects.as_ref().expect("set").display()
            );
        }
    }
    Ok(status(&summary, &job.errors))
}
