//! One file per subcommand, and what they share: where outputs go, the side files beside
//! them, progress and the closing status.

pub mod dedup;
pub mod filter;
pub mod repair;
pub mod run;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use decant::pipeline::{self, Destination};

use crate::exit;

/// `-o` as a destination: a `.jsonl[.gz|.zst]` file, `-`/none for standard output, else a
/// directory.
pub fn destination(output: Option<&Path>) -> Destination {
    match output {
        None => Destination::Stdout,
        Some(p) if p.as_os_str() == "-" => Destination::Stdout,
        Some(p) if decant::write::is_jsonl_path(p) => Destination::Jsonl(p.to_path_buf()),
        Some(p) => Destination::Dir(p.to_path_buf()),
    }
}

/// The default path of a side file (`errors`, `rejects`): beside the output
/// (`out.jsonl.errors.jsonl`, `outdir.errors.jsonl`), or `decant-errors.jsonl` in the current
/// directory when writing to standard output.
pub fn side_file(destination: &Destination, kind: &str) -> PathBuf {
    match destination {
        Destination::Stdout => PathBuf::from(format!("decant-{kind}.jsonl")),
        Destination::Jsonl(p) | Destination::Dir(p) => sibling(p, &format!(".{kind}.jsonl")),
    }
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

/// The job every command starts from: inputs, destination, fields, log, errors and threads
/// from the shared arguments, and no step yet.
pub fn base_job(io: &crate::args::IoArgs) -> anyhow::Result<pipeline::Job> {
    let inputs = decant::read::expand_inputs(&io.inputs)?;
    if inputs.is_empty() {
        anyhow::bail!("no input files found (decant reads .txt, .jsonl, .ndjson, .json, optionally .gz or .zst)");
    }
    let destination = destination(io.output.as_deref());
    let errors = io
        .errors
        .clone()
        .unwrap_or_else(|| side_file(&destination, "errors"));
    Ok(pipeline::Job {
        inputs,
        destination,
        fields: decant::read::FieldNames {
            text: io.text_field.clone(),
            id: io.id_field.clone(),
        },
        repair: None,
        filters: None,
        log: io.log.clone(),
        errors,
        rejects: None,
        rejects_with_text: false,
        removals: None,
        paragraphs: None,
        paragraph_removals: None,
        threads: io.threads,
    })
}

/// `--rejects`, or the rejects file beside the output.
pub fn rejects_file(given: Option<&Path>, destination: &Destination) -> PathBuf {
    given.map_or_else(|| side_file(destination, "rejects"), Path::to_path_buf)
}

/// `N documents read: K kept, R {dropped}; E errored (X MB in S s, Y MB/s)`: the counts
/// every filtering command ends with.
pub fn totals(summary: &pipeline::Summary, secs: f64, dropped: &str) -> String {
    let mb = summary.record_bytes as f64 / 1e6;
    format!(
        "{} documents read: {} kept, {} {dropped}; {} errored ({mb:.1} MB in {secs:.2} s, {:.0} MB/s)",
        summary.read,
        summary.kept,
        summary.rejected,
        summary.errored,
        mb / secs.max(1e-9),
    )
}

/// A live progress line on standard error when it is a terminal (and not `--quiet`).
pub fn spinner(quiet: bool) -> Option<indicatif::ProgressBar> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .expect("a valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    })
}

/// Prints set-aside records (the first 20) and, on a terminal, a progress line.
pub struct Reporter {
    shown: u64,
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
    changed: &'static str,
}

impl Reporter {
    /// `changed` names what the progress line counts as changed ("repaired", "rejected").
    pub fn new(quiet: bool, changed: &'static str) -> Self {
        let bar = spinner(quiet);
        Reporter {
            shown: 0,
            bar,
            start: std::time::Instant::now(),
            changed,
        }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the progress line.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
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

    fn progress(&mut self, s: &pipeline::Summary) {
        if let Some(bar) = &self.bar {
            let mb = s.record_bytes as f64 / 1e6;
            let rate = mb / self.start.elapsed().as_secs_f64().max(1e-3);
            let changed = if self.changed == "rejected" {
                s.rejected
            } else {
                s.repaired
            };
            bar.set_message(format!(
                "{} documents ({changed} {}, {} errored), {mb:.0} MB, {rate:.0} MB/s",
                s.read, self.changed, s.errored
            ));
        }
    }
}

/// Checks that inputs were named (clap cannot require them only when `--print-rules` is
/// absent); `Some(status)` ends the command.
pub fn require_inputs(io: &crate::args::IoArgs, command: &str) -> Option<u8> {
    if io.inputs.is_empty() {
        eprintln!("decant: error: no inputs given (see `decant {command} --help`)");
        return Some(exit::USAGE);
    }
    None
}

/// The exit status of a finished run, after saying where set-aside records went.
pub fn status(summary: &pipeline::Summary, errors: &Path) -> u8 {
    if summary.errored > 0 {
        eprintln!(
            "decant: {} record(s) could not be read; they are in {}",
            summary.errored,
            errors.display()
        );
        return exit::RECORDS_SET_ASIDE;
    }
    exit::OK
}
