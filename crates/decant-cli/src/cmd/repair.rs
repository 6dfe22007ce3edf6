//! `decant repair`.

use std::ffi::OsString;
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

pub fn run(args: &RepairArgs) -> Result<u8> {
    let job = job(args)?;
    let start = std::time::Instant::now();
    let mut shown = 0u64;
    let summary = pipeline::run_repair(&job, &mut |e| {
        shown += 1;
        if shown <= 20 {
            eprintln!("decant: {e} (record set aside)");
        } else if shown == 21 {
            eprintln!("decant: more records set aside; see the errors file");
        }
    })
    .context("repair failed")?;
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
