//! `decant run`, `decant report` and `decant explain`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use decant::read::RecordError;
use decant::run::{Layout, RunConfig, RunObserver};

use crate::args::{ExplainArgs, ReportArgs, RunArgs};
use crate::exit;

/// Progress on standard error: a bar per stage on a terminal, a plain line every ten
/// seconds otherwise, nothing with `--quiet`.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
    state: Mutex<Stage>,
    shown: AtomicU64,
}

struct Stage {
    name: &'static str,
    total: u64,
    bytes: u64,
    docs: u64,
    start: Instant,
    last_line: Instant,
}

impl Progress {
    fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{prefix:>6} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            quiet,
            state: Mutex::new(Stage {
                name: "",
                total: 0,
                bytes: 0,
                docs: 0,
                start: Instant::now(),
                last_line: Instant::now(),
            }),
            shown: AtomicU64::new(0),
        }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl RunObserver for Progress {
    fn stage(&self, name: &'static str, bytes: u64) {
        let mut s = self.state.lock().expect("not poisoned");
        *s = Stage {
            name,
            total: bytes,
            bytes: 0,
            docs: 0,
            start: Instant::now(),
            last_line: Instant::now(),
        };
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_length(bytes);
            bar.set_prefix(name);
            bar.set_message("");
        } else if !self.quiet {
            eprintln!("decant: {name}: {:.1} MB to read", bytes as f64 / 1e6);
        }
    }

    fn advance(&self, documents: u64, bytes: u64) {
        let mut s = self.state.lock().expect("not poisoned");
        s.bytes += bytes;
        s.docs += documents;
        let secs = s.start.elapsed().as_secs_f64().max(1e-3);
        if let Some(bar) = &self.bar {
            bar.set_position(s.bytes.min(s.total));
            if s.docs > 0 {
                bar.set_message(format!(
                    "{} docs, {:.0} docs/s",
                    s.docs,
                    s.docs as f64 / secs
                ));
            }
        } else if !self.quiet && s.last_line.elapsed() >= Duration::from_secs(10) {
            s.last_line = Instant::now();
            let pct = if s.total > 0 {
                format!(" ({:.0} %)", 100.0 * s.bytes as f64 / s.total as f64)
            } else {
                String::new()
            };
            eprintln!(
                "decant: {}: {:.1} of {:.1} MB{pct}, {} documents, {:.1} MB/s, {:.0} documents/s",
                s.name,
                s.bytes as f64 / 1e6,
                s.total as f64 / 1e6,
                s.docs,
                s.bytes as f64 / 1e6 / secs,
                s.docs as f64 / secs
            );
        }
    }

    fn record_error(&self, e: &RecordError) {
        let n = self.shown.fetch_add(1, Ordering::Relaxed) + 1;
        if n <= 20 {
            self.say(&format!("decant: {e} (record set aside)"));
        } else if n == 21 {
            self.say("decant: more records set aside; see errors/ in the output folder");
        }
    }

    fn note(&self, message: &str) {
        if !self.quiet {
            self.say(&format!("decant: {message}"));
        }
    }
}

/// The effective config: the file (or the default pipeline), then the command line.
fn config(a: &RunArgs) -> anyhow::Result<RunConfig> {
    let mut c = match &a.config {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            RunConfig::from_toml(&text).with_context(|| p.display().to_string())?
        }
        None => RunConfig::default(),
    };
    if !a.inputs.is_empty() {
        c.input.paths.clone_from(&a.inputs);
    }
    if let Some(o) = &a.output {
        c.output.dir = Some(o.clone());
    }
    if let Some(f) = &a.format {
        c.output.format.clone_from(f);
    }
    Ok(c)
}

/// `decant run`.
pub fn run(a: &RunArgs) -> anyhow::Result<u8> {
    let config = config(a)?;
    let plan = config.plan()?;
    if a.print_config {
        print!("{}", config.to_toml());
        return Ok(exit::OK);
    }
    if config.input.paths.is_empty() {
        eprintln!("decant: error: no inputs given (name them, or set input.paths in --config)");
        return Ok(exit::USAGE);
    }
    let Some(dir) = config.output.dir.clone() else {
        eprintln!("decant: error: no output folder given (-o OUT, or output.dir in --config)");
        return Ok(exit::USAGE);
    };
    let inputs = decant::read::expand_inputs(&config.input.paths)?;
    if inputs.is_empty() {
        anyhow::bail!("no input files found (decant reads .jsonl, .json, .ndjson, .txt, .warc, .wet, optionally .gz or .zst, and .parquet)");
    }
    let layout = Layout { root: dir.clone() };
    let progress = Progress::new(a.quiet);
    let result = decant::run::run(&plan, &inputs, &layout, a.threads, a.restart, &progress);
    progress.finish();
    let outcome = result?;
    let s = &outcome.stats;
    if !a.quiet {
        eprintln!("{}", summary_table(s));
        for (stage, n) in &outcome.redone {
            if *n == 0 {
                eprintln!("decant: {stage}: nothing left to do (done by an earlier run)");
            }
        }
        eprintln!(
            "decant: report in {}, statistics in {}",
            layout.report().display(),
            layout.stats().display()
        );
    }
    let d = &s.documents;
    if !d.conservation_holds() {
        eprintln!(
            "decant: error: documents read ({}) != kept ({}) + rejected ({}) + errored ({})",
            d.read, d.kept, d.rejected, d.errored
        );
        return Ok(exit::FATAL);
    }
    if d.errored > 0 {
        eprintln!(
            "decant: {} record(s) could not be read; they are in {}",
            d.errored,
            dir.join("errors").display()
        );
        return Ok(exit::RECORDS_SET_ASIDE);
    }
    Ok(exit::OK)
}

/// The closing table: each step's documents in and out, then the totals and the check.
fn summary_table(s: &decant::report::RunStats) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<20} {:>12} {:>12} {:>12}",
        "step", "in", "out", "dropped"
    );
    for step in &s.steps {
        let _ = writeln!(
            out,
            "{:<20} {:>12} {:>12} {:>12}",
            step.name,
            step.documents_in,
            step.documents_out,
            step.documents_in - step.documents_out
        );
    }
    let d = &s.documents;
    let secs = s.seconds.get("total").copied().unwrap_or(0.0);
    let mb = s.inputs.iter().map(|i| i.bytes).sum::<u64>() as f64 / 1e6;
    let _ = writeln!(
        out,
        "documents read {} = kept {} + rejected {} + errored {} {}",
        d.read,
        d.kept,
        d.rejected,
        d.errored,
        if d.conservation_holds() {
            "(checked)"
        } else {
            "(DOES NOT ADD UP)"
        }
    );
    if d.skipped_records > 0 {
        let _ = writeln!(
            out,
            "{} records were not documents (WARC requests, metadata, HTML; see stats.json)",
            d.skipped_records
        );
    }
    let _ = write!(
        out,
        "{mb:.1} MB in {secs:.2} s ({:.1} MB/s); text {:.1} MB in, {:.1} MB out",
        mb / secs.max(1e-9),
        s.text_bytes_in as f64 / 1e6,
        s.text_bytes_out as f64 / 1e6
    );
    out
}

/// `decant report`.
pub fn report(a: &ReportArgs) -> anyhow::Result<u8> {
    let layout = Layout {
        root: a.output.clone(),
    };
    decant::run::rerender(&layout)?;
    eprintln!("decant: wrote {}", layout.report().display());
    Ok(exit::OK)
}

/// `decant explain`.
pub fn explain(a: &ExplainArgs) -> anyhow::Result<u8> {
    let layout = Layout {
        root: PathBuf::from(&a.output),
    };
    let Some(e) = decant::explain::explain(&layout, &a.id)? else {
        eprintln!(
            "decant: error: no document with id {:?} in the inputs of the run in {}",
            a.id,
            a.output.display()
        );
        return Ok(exit::FATAL);
    };
    let text = if a.json {
        serde_json::to_string_pretty(&e)? + "\n"
    } else {
        e.to_string()
    };
    // A closed pipe (`| head`) is an io::Error here, which main treats as success.
    std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes())?;
    Ok(exit::OK)
}
